// dns/zone/compiled_zone.h: a zone compiled for answering. DOC:
// Every owner name, and every empty non-terminal between an owner and the apex, is a Node in
// one hash table keyed by the lower-cased wire name. Each node knows what the lookup
// (RFC 1034 4.3.2) needs without walking up: the delegation point above or at it, a DNAME
// above it, its wildcard child. RRsets are stored pre-encoded: every RR as
// TYPE CLASS TTL RDLENGTH RDATA, so the answer path writes an owner (mostly a pointer to the
// question) and copies bytes. Built once per snapshot, read by every worker, never changed.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/wire/wire.h"
#include "dns/zone/zone_data.h"

namespace cdn::dns {

inline constexpr uint32_t kNone = UINT32_MAX;

struct RRset {
  uint16_t type = 0;
  uint16_t count = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> wire;  // count x (TYPE CLASS TTL RDLENGTH RDATA)
  // CNAME/DNAME: the target, lower-cased (for following the chain inside the zone).
  std::vector<uint8_t> target;
  // NS/MX/SRV: nodes of this zone holding A/AAAA for the names in the rdata (additional
  // section processing, RFC 1034 3.6.2 / RFC 9471 glue); `glue_required` marks in-domain glue
  // of a delegation, whose absence makes a referral truncated.
  std::vector<uint32_t> additional;
  std::vector<uint8_t> glue_required;
};

struct Node {
  std::vector<uint8_t> name;  // lower-cased wire name
  uint32_t hash = 0;
  uint32_t first_rrset = 0;  // rrsets_[first_rrset, first_rrset + rrset_count), by type
  uint16_t rrset_count = 0;
  uint32_t cut = kNone;             // the delegation point at or above this node (not the apex)
  uint32_t dname_above = kNone;     // a node strictly above with a DNAME
  uint32_t wildcard_child = kNone;  // the node "*.<this>"
};

class CompiledZone {
 public:
  // `zone` must have passed validate_zone().
  static Result<CompiledZone> compile(const ZoneData& zone);

  const std::vector<uint8_t>& origin() const { return origin_; }
  uint32_t origin_hash() const { return origin_hash_; }
  const Node& node(uint32_t i) const { return nodes_[i]; }
  const Node& apex() const { return nodes_[0]; }
  uint32_t find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept;
  const RRset* rrset(const Node& node, uint16_t type) const noexcept;
  std::span<const RRset> rrsets(const Node& node) const noexcept {
    return {rrsets_.data() + node.first_rrset, node.rrset_count};
  }
  // The SOA for negative answers: TTL = min(SOA TTL, MINIMUM) (RFC 2308 3).
  const RRset& negative_soa() const { return negative_soa_; }
  size_t node_count() const { return nodes_.size(); }
  size_t record_count() const { return record_count_; }

 private:
  std::vector<uint8_t> origin_;
  uint32_t origin_hash_ = 0;
  std::vector<Node> nodes_;
  std::vector<RRset> rrsets_;
  std::vector<uint32_t> table_;  // open addressing, node index or kNone; size a power of two
  RRset negative_soa_;
  size_t record_count_ = 0;
};

// All zones of a snapshot; finds the closest enclosing zone of a name (parent and child zones
// may both be served).
class ZoneSet {
 public:
  Status add(CompiledZone zone);  // fails on a duplicate origin
  void seal();                    // builds the table; call once after the last add
  // Starting at label `first` (1 = the closest zone strictly above the name).
  const CompiledZone* closest(const NameView& name, size_t first = 0) const noexcept;
  size_t size() const { return zones_.size(); }
  const std::vector<CompiledZone>& zones() const { return zones_; }

 private:
  std::vector<CompiledZone> zones_;
  std::vector<uint32_t> table_;
};

}  // namespace cdn::dns
