// dns/zone/compile.cc: ZoneData -> CompiledZone (see compiled_zone.h for the layout) and what
// the answer path asks of a compiled zone; the shards are built by zone_builder.cc.
#include <algorithm>
#include <cstring>

#include "dns/zone/compiled_zone.h"
#include "dns/zone/zone_builder.h"

namespace cdn::dns {
namespace {

bool lower_below_or_equal(const uint8_t* name, size_t len, const uint8_t* ancestor,
                          size_t ancestor_len) noexcept {
  if (ancestor_len > len) return false;
  size_t pos = 0;
  while (len - pos > ancestor_len) pos += size_t(name[pos]) + 1;
  return len - pos == ancestor_len && std::memcmp(name + pos, ancestor, ancestor_len) == 0;
}

void build_negative_soa(const CompiledZone& z, const RRset& soa, ApexTemplate& t) {
  auto wire = z.wire(soa);  // the first SOA: TYPE CLASS TTL RDLENGTH MNAME RNAME 5x32 bits
  const uint8_t* rdata = wire.data() + 10;
  size_t rdlen = get16(wire.data() + 8);
  uint8_t buf[kMaxNameLength];
  auto pointer_here = [&t] {
    t.pointer_at[t.pointers++] = uint8_t(t.bytes.size());
    t.bytes.insert(t.bytes.end(), {0xC0, 0});
  };
  pointer_here();  // the owner: the apex
  t.bytes.insert(t.bytes.end(), wire.data(), wire.data() + 10);
  uint32_t minimum = get32(rdata + rdlen - 4);
  put32(t.bytes.data() + 2 + 4, std::min(soa.ttl, minimum));
  size_t pos = 0;
  const auto& origin = z.origin();
  for (int i = 0; i < 2; ++i) {  // MNAME, RNAME: compressible (RFC 1035 3.3.13)
    const uint8_t* name = rdata + pos;
    size_t len = lower_copy(name, buf);
    if (name_is_below_or_equal(buf, len, origin.data(), origin.size())) {
      size_t prefix = len - origin.size();
      t.bytes.insert(t.bytes.end(), name, name + prefix);
      pointer_here();
    } else {
      t.bytes.insert(t.bytes.end(), name, name + len);
    }
    pos += len;
  }
  t.bytes.insert(t.bytes.end(), rdata + pos, rdata + rdlen);
  put16(t.bytes.data() + 2 + 8, uint16_t(t.bytes.size() - 12));
}

}  // namespace

// ---------------------------------------------------------------------------- CompiledZone

void CompiledZone::set_shards(std::vector<std::shared_ptr<const ZoneShard>> shards) {
  shards_ = std::move(shards);
  shard_.clear();
  for (const auto& s : shards_) shard_.push_back(s.get());
}

Result<CompiledZone> CompiledZone::compile(const ZoneData& zone) {
  CompiledZone z;
  const auto& records = zone.records;
  z.origin_.resize(zone.origin.size());
  lower_copy(zone.origin.data(), z.origin_.data());
  z.origin_hash_ = name_hash(z.origin_.data(), z.origin_.size());
  z.origin_labels_ = label_count(z.origin_.data());
  size_t shards = 1;
  while (shards < kMaxShards && shards * kNodesPerShard < records.size()) shards <<= 1;
  ZoneBuilder b(z, shards, records.size() + 1);
  z.apex_ = b.insert(z.origin_.data(), z.origin_.size(), z.origin_hash_);
  std::vector<uint32_t> ids{z.apex_};  // every node, in creation order
  ids.reserve(records.size() + 1);

  // 1. Nodes: every owner, and every empty non-terminal between it and the apex, each with
  // its parent.
  struct Link {
    uint32_t node, parent;
    uint8_t length;
  };
  std::vector<Link> links;
  links.reserve(records.size());
  std::vector<uint32_t> owner_node(records.size());
  uint8_t buf[kMaxNameLength];
  uint8_t labels[kMaxLabels];
  uint32_t hashes[kMaxLabels + 1];
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& rec = records[i];
    size_t len = lower_copy(rec.owner.data(), buf);
    if (!name_is_below_or_equal(buf, len, z.origin_.data(), z.origin_.size()))
      return Error(zone.source + ":" + std::to_string(rec.line), "owner outside the zone");
    size_t n = 0;
    for (size_t p = 0; buf[p] != 0; p += buf[p] + 1) labels[n++] = uint8_t(p);
    suffix_hashes(buf, labels, n, hashes);
    auto [node, fresh] = b.find_or_insert(buf, len, hashes[0]);
    owner_node[i] = node;
    // A known node's ancestors are known too.
    for (size_t l = 1; fresh; ++l) {
      const size_t suffix = len - (l < n ? labels[l] : len - 1);
      if (suffix <= z.origin_.size()) {
        links.push_back({node, z.apex_, uint8_t(len - labels[l - 1])});
        break;
      }
      auto [parent, parent_fresh] = b.find_or_insert(buf + labels[l], suffix, hashes[l]);
      links.push_back({node, parent, uint8_t(len - labels[l - 1])});
      node = parent;
      fresh = parent_fresh;
    }
  }

  // 2. RRsets: the records of each node in source order (a counting sort by node), into
  // arenas sized for them.
  std::vector<uint32_t> first(b.shard_count() + 1, 0);  // dense node numbers: shard by shard
  for (size_t s = 0; s < b.shard_count(); ++s) first[s + 1] = first[s] + b.nodes_in(s);
  auto dense = [&](uint32_t id) { return first[id >> kShardShift] + (id & kIndexMask); };
  std::vector<uint32_t> at(first.back() + 1, 0);
  std::vector<size_t> wire_bytes(b.shard_count(), 0), shard_records(b.shard_count(), 0);
  for (size_t i = 0; i < records.size(); ++i) {
    ++at[dense(owner_node[i]) + 1];
    wire_bytes[owner_node[i] >> kShardShift] += 10 + records[i].rdata.size();
    ++shard_records[owner_node[i] >> kShardShift];
  }
  for (size_t k = 1; k < at.size(); ++k) at[k] += at[k - 1];
  for (size_t s = 0; s < b.shard_count(); ++s) b.reserve(s, shard_records[s], wire_bytes[s]);
  std::vector<const RecordData*> order(records.size());
  for (size_t i = 0; i < records.size(); ++i) order[at[dense(owner_node[i])]++] = &records[i];
  for (size_t g = 0; g < order.size();) {
    const uint32_t ni = owner_node[size_t(order[g] - records.data())];
    size_t end = g;
    while (end < order.size() && owner_node[size_t(order[end] - records.data())] == ni) ++end;
    b.set_records(ni, std::span(order).subspan(g, end - g));
    g = end;
  }

  // 3. Cuts, DNAMEs above, wildcard children, child counts: parents before children (a
  // counting sort by name length).
  std::vector<uint32_t> by_length(kMaxNameLength + 2, 0);
  for (const Link& l : links) ++by_length[l.length + 1];
  for (size_t k = 1; k < by_length.size(); ++k) by_length[k] += by_length[k - 1];
  std::vector<Link> sorted(links.size());
  for (const Link& l : links) sorted[by_length[l.length]++] = l;
  links.clear();
  links.shrink_to_fit();
  for (const Link& l : sorted) b.link(l.node, l.parent);
  b.finish();
  if (z.rrset(z.apex(), type::SOA) == nullptr) return Error(zone.source, "no SOA at the apex");
  build_negative_soa(z, *z.rrset(z.apex(), type::SOA), z.negative_soa_);
  return z;
}

size_t CompiledZone::memory_bytes() const {
  size_t total = 0;
  for (const ZoneShard* s : shard_) {
    total += s->nodes.capacity() * sizeof(Node) + s->rrsets.capacity() * sizeof(RRset) +
             s->names.capacity() + s->wire.capacity() + s->table.capacity() * sizeof(uint32_t) +
             s->additional.capacity() * sizeof(AdditionalName);
  }
  return total;
}

uint32_t CompiledZone::find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept {
  const uint32_t s = shard_of(hash, shard_.size());
  uint32_t index = find_in(*shard_[s], lower_name, len, hash);
  return index == kNone ? kNone : (s << kShardShift) | index;
}

const RRset* CompiledZone::rrset(const Node& node, uint16_t type) const noexcept {
  const RRset* rrsets = shard_[node.shard]->rrsets.data();
  for (uint32_t i = node.first_rrset; i < node.first_rrset + node.rrset_count; ++i) {
    if (rrsets[i].type == type) return &rrsets[i];
  }
  return nullptr;
}

size_t CompiledZone::additional(const RRset& rr, const Node& owner, bool referral,
                                AdditionalTarget* out, size_t max) const noexcept {
  const ZoneShard& shard = *shard_[rr.shard];
  size_t n = 0;
  for (uint32_t i = rr.additional_offset; i < rr.additional_offset + rr.additional_count && n < max;
       ++i) {
    const AdditionalName& a = shard.additional[i];
    const uint8_t* target_name = shard.names.data() + a.name_offset;
    uint32_t ti = a.node;
    if (ti == kNone || node(ti).name_length == 0) ti = find(target_name, a.length, a.hash);
    if (ti == kNone) continue;
    // Data below a cut is glue: only NS RRsets may point at it.
    if (rr.type != type::NS && node(ti).cut != kNone) continue;
    const bool required =
        referral && lower_below_or_equal(target_name, a.length, name(owner), owner.name_length);
    out[n++] = {ti, required};
  }
  return n;
}

std::vector<RecordData> CompiledZone::records(const Node& node) const {
  std::vector<RecordData> out;
  WireName owner(name(node), name(node) + node.name_length);
  for (const RRset& rr : rrsets(node)) {
    auto w = wire(rr);
    for (size_t p = 0; p < w.size();) {
      RecordData r;
      r.owner = owner;
      r.type = get16(w.data() + p);
      r.ttl = get32(w.data() + p + 4);
      size_t rdlen = get16(w.data() + p + 8);
      r.rdata.assign(w.data() + p + 10, w.data() + p + 10 + rdlen);
      out.push_back(std::move(r));
      p += 10 + rdlen;
    }
  }
  return out;
}

Status ZoneSet::add(std::shared_ptr<const CompiledZone> zone) {
  for (const auto& z : zones_) {
    if (z->origin() == zone->origin()) return Error("zone served twice");
  }
  zones_.push_back(std::move(zone));
  return Ok{};
}

void ZoneSet::seal() {
  table_.assign(table_size_for(zones_.size()), kNone);
  const size_t mask = table_.size() - 1;
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    size_t slot = zones_[i]->origin_hash() & mask;
    while (table_[slot] != kNone) slot = (slot + 1) & mask;
    table_[slot] = i;
  }
}

const CompiledZone* ZoneSet::closest(const NameView& name, size_t first) const noexcept {
  if (zones_.empty()) return nullptr;
  const size_t mask = table_.size() - 1;
  // Longest suffix first: the closest enclosing zone wins (parent and child both served).
  for (size_t i = first; i <= name.label_count; ++i) {
    size_t off = i < name.label_count ? name.labels[i] : name.len - 1;
    const uint8_t* suffix = name.name + off;
    size_t suffix_len = name.len - off;
    uint32_t h = name.hashes[i];
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
      uint32_t zi = table_[slot];
      if (zi == kNone) break;
      const CompiledZone& zone = *zones_[zi];
      const auto& o = zone.origin();
      if (zone.origin_hash() == h && o.size() == suffix_len &&
          std::equal(suffix, suffix + suffix_len, o.data()))
        return &zone;
    }
  }
  return nullptr;
}

}  // namespace cdn::dns
