// dns/wire/wire.h: DNS message basics (RFC 1035 4.1): constants, big-endian access, names.
// Pure functions over bytes: no I/O, no allocation. Names handled here are uncompressed wire
// format (length-prefixed labels ending in the root label) unless a function says otherwise.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace cdn::dns {

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxNameLength = 255;  // RFC 1035 3.1, wire format including the root
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr size_t kMaxLabels = 128;

enum class Rcode : uint16_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5,
  YxDomain = 6,
  NotAuth = 9,
  BadVers = 16,  // extended (RFC 6891 6.1.3): upper 8 bits travel in the OPT TTL
};

namespace type {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28,
                          SRV = 33, DNAME = 39, OPT = 41, DS = 43, RRSIG = 46, NSEC = 47,
                          TKEY = 249, TSIG = 250, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254,
                          ANY = 255;
}
inline constexpr uint16_t kClassIn = 1;
inline constexpr uint16_t kClassAny = 255;  // answered as IN (RFC 1035 3.2.5), as Knot does

namespace opcode {
inline constexpr uint8_t Query = 0;
}

namespace edns {
inline constexpr uint16_t Nsid = 3;          // RFC 5001
inline constexpr uint16_t ClientSubnet = 8;  // RFC 7871
}  // namespace edns

inline uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

inline uint8_t ascii_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? uint8_t(c + 32) : c; }
// The same as a table: one load per byte on the query path.
inline constexpr struct LowerTable {
  uint8_t map[256];
  constexpr LowerTable() : map() {
    for (int c = 0; c < 256; ++c) map[c] = uint8_t(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
} kLower;

// Length of a well-formed uncompressed wire name, including the root label.
size_t name_length(const uint8_t* name) noexcept;
// Number of labels, not counting the root ("www.example.com." has 3).
size_t label_count(const uint8_t* name) noexcept;
// Case-insensitive equality of two uncompressed names of known length.
bool names_equal(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len) noexcept;
// Is `name` equal to or below `ancestor`? (both uncompressed, case-insensitive)
bool name_is_below_or_equal(const uint8_t* name, size_t name_len, const uint8_t* ancestor,
                            size_t ancestor_len) noexcept;
// Names are hashed per label (FNV-1a over the lower-cased length and bytes), and the label
// hashes are combined from the root down. So the pass that reads and lower-cases a question
// name also hashes it, and a few multiplications then give the hash of every suffix: the
// zone-set and zone tables are probed with them without hashing again. (Hashing a word at a
// time costs more instructions here: DNS labels are mostly shorter than a word.)
inline constexpr uint32_t kFnvBasis = 2166136261u;
inline constexpr uint32_t kFnvPrime = 16777619u;
inline constexpr uint32_t kRootHash = kFnvBasis;
inline uint32_t label_hash(const uint8_t* lower_label) {
  uint32_t h = kFnvBasis;
  for (size_t i = 0; i <= lower_label[0]; ++i) h = (h ^ lower_label[i]) * kFnvPrime;
  return h;
}
inline uint32_t combine_hash(uint32_t suffix, uint32_t label) {
  return (suffix * 0x9E3779B1u) ^ label;
}
// From per-label hashes: hashes[i] = hash of the suffix starting at label i;
// hashes[label_count] = the root's.
inline void combine_suffix_hashes(const uint32_t* label_hashes, size_t label_count,
                                  uint32_t* hashes) {
  uint32_t h = kRootHash;
  hashes[label_count] = h;
  for (size_t i = label_count; i-- > 0;) hashes[i] = h = combine_hash(h, label_hashes[i]);
}
inline void suffix_hashes(const uint8_t* name, const uint8_t* labels, size_t label_count,
                          uint32_t* hashes) {
  uint32_t h = kRootHash;
  hashes[label_count] = h;
  for (size_t i = label_count; i-- > 0;)
    hashes[i] = h = combine_hash(h, label_hash(name + labels[i]));
}
// Hash of a lower-case uncompressed name (the same value suffix_hashes gives for it).
uint32_t name_hash(const uint8_t* name, size_t len) noexcept;

// A lower-case name with its label offsets and suffix hashes, worked out once per name.
struct NameView {
  const uint8_t* name;
  size_t len;
  const uint8_t* labels;   // offsets of each label within `name`
  size_t label_count;      // not counting the root
  const uint32_t* hashes;  // label_count + 1 entries, see suffix_hashes()
};

// Reads an uncompressed name at msg[pos] (a question name: RFC 1035 4.1.4 leaves nothing before
// it to point at, so a pointer there is malformed). Writes the lower-cased copy to `lower`
// (kMaxNameLength bytes), the label start offsets (relative to the name) to `labels`, and
// label_hash() of each label to `label_hashes` (kMaxLabels each).
// Returns the name length, or 0 when malformed (label > 63, name > 255, pointer, overrun).
size_t read_question_name(std::span<const uint8_t> msg, size_t pos, uint8_t* lower, uint8_t* labels,
                          uint32_t* label_hashes, size_t& label_total) noexcept;

// Skips a possibly compressed name at msg[pos]; returns the position after it, or 0 when
// malformed. A pointer ends the name, so no loop is possible here.
size_t skip_name(std::span<const uint8_t> msg, size_t pos) noexcept;

}  // namespace cdn::dns
