// dns/zone/compiled_zone.h: a zone compiled for answering. DOC:
// Every owner name, and every empty non-terminal between an owner and the apex, is a Node in
// an open-addressing table keyed by the lower-cased wire name. Each node knows what the lookup
// (RFC 1034 4.3.2) needs without walking up: the delegation point above or at it, a DNAME
// above it, its wildcard child. RRsets are stored pre-encoded: every RR as
// TYPE CLASS TTL RDLENGTH RDATA, so the answer path writes an owner (mostly a pointer to the
// question) and copies bytes. Names and RR bytes live in arenas that nodes and RRsets index
// into, so a record costs a few dozen bytes rather than several heap blocks.
//
// The nodes are split by name hash into shards (one for a small zone, a few thousand nodes
// each for a large one), each with its own table and arenas. A node's id is its shard and its
// index there; ids never change while the zone lives, so references between nodes (cut,
// DNAME above, wildcard child) hold across shards. A shard is immutable once built and
// shared: `patch` makes a new zone from an old one and a few changed owners by copying only
// the shards those owners live in (see patch.cc), so a one-record change to a zone of a
// million records costs a few kilobytes and no full recompile, and the old and the new
// snapshot share every other shard. Additional-section targets (names inside NS/MX/SRV) are
// kept as names with their hash and looked up when answering, so no node refers to another
// node's addresses and a changed name never has to find who points at it.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/wire/wire.h"
#include "dns/zone/zone_data.h"

namespace cdn::dns {

inline constexpr uint32_t kNone = UINT32_MAX;
inline constexpr unsigned kShardShift = 24;  // node id = shard << kShardShift | index
inline constexpr uint32_t kMaxShards = 256;

// The node of a name inside NS/MX/SRV RDATA, whose A/AAAA go to the additional section
// (RFC 1034 3.6.2). `required`: in-domain glue of a delegation, whose absence makes a referral
// truncated (RFC 9471).
struct AdditionalTarget {
  uint32_t node;
  bool required;
};

// One whole RR ready to copy into a response, the zone apex in it written as 2-byte pointers
// to fill in: the apex is always a suffix of the question name, so it is in the packet already.
struct ApexTemplate {
  std::vector<uint8_t> bytes;
  uint8_t pointer_at[3] = {};  // offsets in `bytes` of the pointers to the apex
  uint8_t pointers = 0;
};

// A name inside the RDATA of an NS, MX or SRV record that lies inside the zone, lower-cased,
// with its hash: looked up when answering (whether it has addresses can change without the
// RRset changing).
struct AdditionalName {
  uint32_t name_offset = 0;  // in the shard's name arena
  uint32_t hash = 0;
  uint32_t node = kNone;  // its node when the RRset was built, if live still (ids are not reused)
  uint8_t length = 0;
};

struct RRset {
  uint16_t type = 0;
  uint16_t count = 0;
  uint32_t ttl = 0;
  uint32_t wire_offset = 0;  // count x (TYPE CLASS TTL RDLENGTH RDATA) in the shard's wire arena
  uint32_t wire_length = 0;
  uint32_t target_offset = 0;      // CNAME/DNAME: the lower-cased target in the shard's name arena
  uint32_t additional_offset = 0;  // NS/MX/SRV: its in-zone target names, each once
  uint16_t additional_count = 0;
  uint8_t target_length = 0;  // 0: no target
  uint8_t shard = 0;          // whose arenas the offsets index
};

struct Node {
  uint32_t name_offset = 0;  // lower-cased wire name in the shard's name arena
  uint32_t hash = 0;
  uint32_t first_rrset = 0;         // rrsets [first_rrset, first_rrset + rrset_count), by type
  uint32_t cut = kNone;             // the delegation point at or above this node (not the apex)
  uint32_t dname_above = kNone;     // a node strictly above with a DNAME
  uint32_t wildcard_child = kNone;  // the node "*.<this>"
  uint32_t children = 0;            // nodes one label below this one
  uint16_t rrset_count = 0;
  uint8_t name_length = 0;  // 0: removed by a patch (no longer in the table)
  uint8_t shard = 0;
};

struct ZoneShard {
  std::vector<Node> nodes;
  std::vector<RRset> rrsets;
  std::vector<uint8_t> names;  // node names, CNAME/DNAME targets, additional names
  std::vector<uint8_t> wire;
  std::vector<AdditionalName> additional;
  std::vector<uint32_t> table;  // open addressing, node index or kNone; size a power of two
  size_t garbage = 0;           // bytes of rrsets and wire that no node uses any more
  size_t removed = 0;           // nodes a patch took out of the table
};

// The new content of one owner name for CompiledZone::patch: every record it has now, in
// source order (none: the name has no records any more).
struct OwnerChange {
  WireName owner;
  std::vector<RecordData> records;
};

class CompiledZone {
 public:
  // `zone` must have passed validate_zone().
  static Result<CompiledZone> compile(const ZoneData& zone);
  // This zone with `changes` applied, checked as validate_zone() would check them. nullopt
  // when the changes touch the zone's structure (the apex, NS, DNAME, SOA) and the zone must
  // be compiled whole; an Error when they would make the zone invalid. `source` names the
  // zone in errors ("db:example.com").
  Result<std::optional<CompiledZone>> patch(const std::vector<OwnerChange>& changes,
                                            const std::string& source) const;

  const std::vector<uint8_t>& origin() const { return origin_; }
  uint32_t origin_hash() const { return origin_hash_; }
  const Node& node(uint32_t id) const {
    return shard_[id >> kShardShift]->nodes[id & ((1u << kShardShift) - 1)];
  }
  const Node& apex() const { return node(apex_); }
  uint32_t apex_id() const { return apex_; }
  const uint8_t* name(const Node& n) const { return shard_[n.shard]->names.data() + n.name_offset; }
  std::span<const uint8_t> wire(const RRset& rr) const {
    return {shard_[rr.shard]->wire.data() + rr.wire_offset, rr.wire_length};
  }
  std::span<const uint8_t> target(const RRset& rr) const {
    return {shard_[rr.shard]->names.data() + rr.target_offset, rr.target_length};
  }
  uint32_t find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept;
  const RRset* rrset(const Node& node, uint16_t type) const noexcept;
  std::span<const RRset> rrsets(const Node& node) const noexcept {
    return {shard_[node.shard]->rrsets.data() + node.first_rrset, node.rrset_count};
  }
  // The additional-section targets of `rr` (NS, MX, SRV) owned by `owner`: the nodes of this
  // zone named in its RDATA, each once (the caller takes their A and AAAA); data below a cut
  // only for NS, and required when `referral` and below the owner. Writes at most `max`;
  // returns how many.
  size_t additional(const RRset& rr, const Node& owner, bool referral, AdditionalTarget* out,
                    size_t max) const noexcept;
  // The SOA for negative answers: TTL = min(SOA TTL, MINIMUM) (RFC 2308 3), owner and
  // in-zone MNAME/RNAME compressed to the apex (as the other servers send it).
  const ApexTemplate& negative_soa() const { return negative_soa_; }
  size_t origin_labels() const { return origin_labels_; }
  size_t node_count() const { return node_count_; }
  size_t record_count() const { return record_count_; }
  size_t shard_count() const { return shards_.size(); }
  size_t memory_bytes() const;  // what the arenas and tables hold
  // Every record of `node`, as a zone file would list them (owner lower-cased).
  std::vector<RecordData> records(const Node& node) const;

 private:
  friend class ZoneBuilder;
  void set_shards(std::vector<std::shared_ptr<const ZoneShard>> shards);

  std::vector<uint8_t> origin_;
  uint32_t origin_hash_ = 0;
  uint32_t apex_ = 0;
  std::vector<std::shared_ptr<const ZoneShard>> shards_;
  std::vector<const ZoneShard*> shard_;  // shards_[i].get(), one load less when answering
  ApexTemplate negative_soa_;
  size_t origin_labels_ = 0;
  size_t node_count_ = 0;
  size_t record_count_ = 0;
};

// All zones of a snapshot; finds the closest enclosing zone of a name (parent and child zones
// may both be served). Zones are shared: a reload keeps every zone that did not change, so the
// old and the new snapshot hold one copy of it.
class ZoneSet {
 public:
  Status add(std::shared_ptr<const CompiledZone> zone);  // fails on a duplicate origin
  void seal();  // builds the table; call once after the last add
  // Starting at label `first` (1 = the closest zone strictly above the name).
  const CompiledZone* closest(const NameView& name, size_t first = 0) const noexcept;
  size_t size() const { return zones_.size(); }
  const std::vector<std::shared_ptr<const CompiledZone>>& zones() const { return zones_; }

 private:
  std::vector<std::shared_ptr<const CompiledZone>> zones_;
  std::vector<uint32_t> table_;
};

}  // namespace cdn::dns
