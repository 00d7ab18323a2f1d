#include "dns/wire/wire.h"

namespace cdn::dns {

size_t name_length(const uint8_t* name) noexcept {
  const uint8_t* p = name;
  while (*p != 0) p += *p + 1;
  return size_t(p - name) + 1;
}

uint32_t name_hash(const uint8_t* name, size_t len) noexcept {
  uint8_t labels[kMaxLabels];
  size_t n = 0;
  for (size_t i = 0; i + 1 < len && name[i] != 0; i += name[i] + 1) labels[n++] = uint8_t(i);
  uint32_t h = kRootHash;
  while (n-- > 0) h = combine_hash(h, label_hash(name + labels[n]));
  return h;
}

size_t label_count(const uint8_t* name) noexcept {
  size_t n = 0;
  for (const uint8_t* p = name; *p != 0; p += *p + 1) ++n;
  return n;
}

bool names_equal(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len) noexcept {
  if (a_len != b_len) return false;
  for (size_t i = 0; i < a_len; ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool name_is_below_or_equal(const uint8_t* name, size_t name_len, const uint8_t* ancestor,
                            size_t ancestor_len) noexcept {
  if (ancestor_len > name_len) return false;
  // Walk label boundaries of `name` until the remaining suffix has the ancestor's length.
  size_t pos = 0;
  while (name_len - pos > ancestor_len) pos += size_t(name[pos]) + 1;
  return name_len - pos == ancestor_len &&
         names_equal(name + pos, ancestor_len, ancestor, ancestor_len);
}

size_t read_question_name(std::span<const uint8_t> msg, size_t pos, uint8_t* lower, uint8_t* labels,
                          uint32_t* label_hashes, size_t& label_total) noexcept {
  const uint8_t* p = msg.data() + pos;
  const uint8_t* const end = msg.data() + msg.size();
  uint8_t* out = lower;
  size_t n = 0;
  while (true) {
    if (p >= end) return 0;
    const uint8_t l = *p;
    if (l == 0) break;
    if (l > kMaxLabelLength) return 0;  // a pointer (0xC0) or the reserved 0x40/0x80 types
    if (size_t(out - lower) + l + 2 > kMaxNameLength || size_t(end - p) < size_t(l) + 1) return 0;
    labels[n] = uint8_t(out - lower);
    uint32_t h = (kFnvBasis ^ l) * kFnvPrime;
    *out++ = l;
    for (size_t i = 1; i <= l; ++i) {
      const uint8_t c = kLower.map[p[i]];
      out[i - 1] = c;
      h = (h ^ c) * kFnvPrime;
    }
    out += l;
    label_hashes[n++] = h;
    p += size_t(l) + 1;
  }
  *out++ = 0;
  label_total = n;
  return size_t(out - lower);
}

size_t skip_name(std::span<const uint8_t> msg, size_t pos) noexcept {
  size_t len = 0;
  while (true) {
    if (pos >= msg.size()) return 0;
    uint8_t l = msg[pos];
    if (l == 0) return pos + 1;
    if ((l & 0xC0) == 0xC0) return pos + 2 <= msg.size() ? pos + 2 : 0;
    if (l > kMaxLabelLength) return 0;
    len += 1 + l;
    if (len + 1 > kMaxNameLength) return 0;
    pos += 1 + l;
  }
}

}  // namespace cdn::dns
