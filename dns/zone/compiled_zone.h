// dns/zone/compiled_zone.h: a zone compiled for answering. DOC:
// Every owner name, and every empty non-terminal between an owner and the apex, is a Node in
// one open-addressing table keyed by the lower-cased wire name. Each node knows what the lookup
// (RFC 1034 4.3.2) needs without walking up: the delegation point above or at it, a DNAME
// above it, its wildcard child. RRsets are stored pre-encoded: every RR as
// TYPE CLASS TTL RDLENGTH RDATA, so the answer path writes an owner (mostly a pointer to the
// question) and copies bytes. Names, RR bytes and additional-section targets live in three
// arenas that nodes and RRsets index into, so a record costs a few dozen bytes rather than
// several heap blocks (1M records: see the benchmark note). Built once per snapshot, read by
// every worker, never changed.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/wire/wire.h"
#include "dns/zone/zone_data.h"

namespace cdn::dns {

inline constexpr uint32_t kNone = UINT32_MAX;

// A node holding A/AAAA for a name inside NS/MX/SRV RDATA (additional section processing,
// RFC 1034 3.6.2). `required`: in-domain glue of a delegation, whose absence makes a referral
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

struct RRset {
  uint16_t type = 0;
  uint16_t count = 0;
  uint32_t ttl = 0;
  uint32_t wire_offset = 0;  // count x (TYPE CLASS TTL RDLENGTH RDATA) in the wire arena
  uint32_t wire_length = 0;
  uint32_t target_offset = 0;  // CNAME/DNAME: the lower-cased target in the name arena
  uint32_t additional_offset = 0;
  uint16_t additional_count = 0;
  uint8_t target_length = 0;  // 0: no target
};

struct Node {
  uint32_t name_offset = 0;  // lower-cased wire name in the name arena
  uint32_t hash = 0;
  uint32_t first_rrset = 0;         // rrsets [first_rrset, first_rrset + rrset_count), by type
  uint32_t cut = kNone;             // the delegation point at or above this node (not the apex)
  uint32_t dname_above = kNone;     // a node strictly above with a DNAME
  uint32_t wildcard_child = kNone;  // the node "*.<this>"
  uint16_t rrset_count = 0;
  uint8_t name_length = 0;
};

class CompiledZone {
 public:
  // `zone` must have passed validate_zone().
  static Result<CompiledZone> compile(const ZoneData& zone);

  const std::vector<uint8_t>& origin() const { return origin_; }
  uint32_t origin_hash() const { return origin_hash_; }
  const Node& node(uint32_t i) const { return nodes_[i]; }
  const Node& apex() const { return nodes_[0]; }
  const uint8_t* name(const Node& n) const { return names_.data() + n.name_offset; }
  std::span<const uint8_t> wire(const RRset& rr) const {
    return {wire_.data() + rr.wire_offset, rr.wire_length};
  }
  std::span<const uint8_t> target(const RRset& rr) const {
    return {names_.data() + rr.target_offset, rr.target_length};
  }
  std::span<const AdditionalTarget> additional(const RRset& rr) const {
    return {additional_.data() + rr.additional_offset, rr.additional_count};
  }
  uint32_t find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept;
  const RRset* rrset(const Node& node, uint16_t type) const noexcept;
  std::span<const RRset> rrsets(const Node& node) const noexcept {
    return {rrsets_.data() + node.first_rrset, node.rrset_count};
  }
  // The SOA for negative answers: TTL = min(SOA TTL, MINIMUM) (RFC 2308 3), owner and
  // in-zone MNAME/RNAME compressed to the apex (as the other servers send it).
  const ApexTemplate& negative_soa() const { return negative_soa_; }
  size_t origin_labels() const { return origin_labels_; }
  size_t node_count() const { return nodes_.size(); }
  size_t record_count() const { return record_count_; }
  size_t memory_bytes() const;  // what the arenas and tables hold

 private:
  uint32_t insert_node(const uint8_t* lower_name, size_t len, uint32_t hash);
  void grow_table();

  std::vector<uint8_t> origin_;
  uint32_t origin_hash_ = 0;
  std::vector<Node> nodes_;
  std::vector<RRset> rrsets_;
  std::vector<uint8_t> names_;
  std::vector<uint8_t> wire_;
  std::vector<AdditionalTarget> additional_;
  std::vector<uint32_t> table_;  // open addressing, node index or kNone; size a power of two
  ApexTemplate negative_soa_;
  size_t origin_labels_ = 0;
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
