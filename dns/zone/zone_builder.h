// dns/zone/zone_builder.h: builds the shards of a CompiledZone (compiled_zone.h), for a whole
// compile (compile.cc) and for a patch (patch.cc). A shard is copied the first time it is
// written and published by finish(); the zone it was made from keeps its own shards.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "dns/zone/compiled_zone.h"

namespace cdn::dns {

inline constexpr size_t kNodesPerShard = 4096;
inline constexpr uint32_t kIndexMask = (1u << kShardShift) - 1;
inline uint32_t shard_of(uint32_t hash, size_t shards) {
  return (hash >> kShardShift) & uint32_t(shards - 1);
}

// A power of two at least twice `n`.
size_t table_size_for(size_t n);
// The index of a name's node in one shard, or kNone.
uint32_t find_in(const ZoneShard& s, const uint8_t* lower_name, size_t len, uint32_t hash) noexcept;
// a large zone's shards: what a patch copies

class ZoneBuilder {
 public:
  // New, empty shards for a whole compile: `shards` a power of two up to kMaxShards.
  ZoneBuilder(CompiledZone& zone, size_t shards, size_t expected_nodes);
  // The zone's own shards, copied when first written.
  explicit ZoneBuilder(CompiledZone& zone);

  uint32_t find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept;
  const Node& node(uint32_t id) const;
  Node& writable(uint32_t id);
  // A new node (no records, no links): its id.
  uint32_t insert(const uint8_t* lower_name, size_t len, uint32_t hash);
  // The node of a name, made when there is none (then `second` is true).
  std::pair<uint32_t, bool> find_or_insert(const uint8_t* lower_name, size_t len, uint32_t hash);
  size_t shard_count() const { return shards_.size(); }
  size_t nodes_in(size_t shard) const;
  // Room for `rrsets` more RRsets and `wire_bytes` more RR bytes in a shard.
  void reserve(size_t shard, size_t rrsets, size_t wire_bytes);
  // Takes the node out of its table (and its parent's counts); its id stays unused. Returns
  // the parent's id.
  uint32_t remove(uint32_t id);
  // Sets a node's links from its parent, which must have its own: the cut and DNAME above it,
  // the parent's wildcard child and child count. Returns the parent's id.
  uint32_t link(uint32_t id);
  void link(uint32_t id, uint32_t parent);  // the same when the parent is known
  const uint8_t* name(const Node& node) const;
  bool has(const Node& node, uint16_t type) const;
  // Replaces the records of a node: `records` (in source order, one owner) grouped by type,
  // duplicates dropped (RFC 2181 5), one TTL per RRset, the first (RFC 2181 5.2). Returns
  // the number of RRs stored.
  size_t set_records(uint32_t id, std::span<const RecordData* const> records);
  // Compacts the shards that gathered garbage and hands every shard to the zone.
  void finish();
  // Shards written so far that hold more removed nodes than live ones (worth a full compile).
  bool worn() const;

 private:
  const ZoneShard& shard_at(uint32_t index) const;
  ZoneShard& shard_for_write(uint8_t shard);
  uint32_t parent_of(const Node& node) const;
  static void compact(ZoneShard& shard);
  // NS/MX/SRV: the in-zone names in `rr`'s RDATA into the shard's additional names.
  void add_additional_names(ZoneShard& shard, RRset& rr) const;

  CompiledZone& zone_;
  std::vector<std::shared_ptr<ZoneShard>> written_;  // by shard, null until written
  std::vector<std::shared_ptr<const ZoneShard>> shards_;
};

// Copies an uncompressed wire name lower-cased; returns its length.
size_t lower_copy(const uint8_t* name, uint8_t* out);

}  // namespace cdn::dns
