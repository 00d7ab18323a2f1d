// dns/zone/zone_builder.cc: the shard builder compile and patch share (zone_builder.h).
#include "dns/zone/zone_builder.h"

#include <algorithm>
#include <set>
#include <string_view>

namespace cdn::dns {
namespace {

// Where the name inside the RDATA of NS, MX, SRV, CNAME, DNAME starts, or -1.
int target_offset(uint16_t t) {
  switch (t) {
    case type::NS:
    case type::CNAME:
    case type::DNAME:
      return 0;
    case type::MX:
      return 2;
    case type::SRV:
      return 6;
    default:
      return -1;
  }
}

std::string_view as_view(const std::vector<uint8_t>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

// name_is_below_or_equal() for names lower-cased already: a byte compare.

void place(ZoneShard& s, uint32_t index) {
  const size_t mask = s.table.size() - 1;
  size_t slot = s.nodes[index].hash & mask;
  while (s.table[slot] != kNone) slot = (slot + 1) & mask;
  s.table[slot] = index;
}

void rebuild_table(ZoneShard& s, size_t size) {
  s.table.assign(size, kNone);
  for (uint32_t i = 0; i < s.nodes.size(); ++i) {
    if (s.nodes[i].name_length != 0) place(s, i);
  }
}

// Linear probing without tombstones: the entries after the hole that probed past it move up.
void erase_from_table(ZoneShard& s, uint32_t index) {
  const size_t mask = s.table.size() - 1;
  size_t hole = s.nodes[index].hash & mask;
  while (s.table[hole] != index) hole = (hole + 1) & mask;
  s.table[hole] = kNone;
  for (size_t j = (hole + 1) & mask; s.table[j] != kNone; j = (j + 1) & mask) {
    size_t home = s.nodes[s.table[j]].hash & mask;
    // The entry at j stays when its home slot lies cyclically in (hole, j].
    bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (stays) continue;
    s.table[hole] = s.table[j];
    s.table[j] = kNone;
    hole = j;
  }
}

bool has_type(const ZoneShard& s, const Node& n, uint16_t t) {
  for (uint32_t i = n.first_rrset; i < n.first_rrset + n.rrset_count; ++i) {
    if (s.rrsets[i].type == t) return true;
  }
  return false;
}

// The SOA for negative answers (RFC 2308 3: TTL is the lesser of the SOA TTL and MINIMUM).
}  // namespace

size_t table_size_for(size_t n) {
  size_t size = 16;
  while (size < n * 2) size <<= 1;
  return size;
}

uint32_t find_in(const ZoneShard& s, const uint8_t* lower_name, size_t len,
                 uint32_t hash) noexcept {
  const size_t mask = s.table.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint32_t ni = s.table[slot];
    if (ni == kNone) return kNone;
    const Node& n = s.nodes[ni];
    if (n.hash == hash && n.name_length == len &&
        std::equal(lower_name, lower_name + len, s.names.data() + n.name_offset))
      return ni;
  }
}

size_t lower_copy(const uint8_t* name, uint8_t* out) {
  size_t len = name_length(name);
  for (size_t i = 0; i < len; ++i) out[i] = ascii_lower(name[i]);
  return len;
}

// ---------------------------------------------------------------------------- ZoneBuilder

ZoneBuilder::ZoneBuilder(CompiledZone& zone, size_t shards, size_t expected_nodes)
    : zone_(zone), written_(shards), shards_(shards) {
  for (auto& s : written_) {
    s = std::make_shared<ZoneShard>();
    s->table.assign(table_size_for(expected_nodes / shards + 1), kNone);
    s->nodes.reserve(expected_nodes / shards + expected_nodes / shards / 8 + 1);
  }
}

ZoneBuilder::ZoneBuilder(CompiledZone& zone)
    : zone_(zone), written_(zone.shards_.size()), shards_(zone.shards_) {}

ZoneShard& ZoneBuilder::shard_for_write(uint8_t shard) {
  if (!written_[shard]) written_[shard] = std::make_shared<ZoneShard>(*shards_[shard]);
  return *written_[shard];
}

const ZoneShard& ZoneBuilder::shard_at(uint32_t index) const {
  return written_[index] ? *written_[index] : *shards_[index];
}

const uint8_t* ZoneBuilder::name(const Node& node) const {
  return shard_at(node.shard).names.data() + node.name_offset;
}

bool ZoneBuilder::has(const Node& node, uint16_t t) const {
  return has_type(shard_at(node.shard), node, t);
}

uint32_t ZoneBuilder::parent_of(const Node& node) const {
  const uint8_t* n = name(node);
  const uint8_t* parent = n + n[0] + 1;
  const size_t len = node.name_length - n[0] - 1u;
  return find(parent, len, name_hash(parent, len));
}

uint32_t ZoneBuilder::link(uint32_t id) {
  const uint32_t pi = parent_of(node(id));
  link(id, pi);
  return pi;
}

void ZoneBuilder::link(uint32_t id, uint32_t pi) {
  Node& parent = writable(pi);
  Node& node = writable(id);
  node.cut = parent.cut;
  if (node.cut == kNone && has(node, type::NS)) node.cut = id;
  node.dname_above = parent.dname_above;
  if (node.dname_above == kNone && has(parent, type::DNAME)) node.dname_above = pi;
  const uint8_t* label = name(node);
  if (label[0] == 1 && label[1] == '*') parent.wildcard_child = id;
  ++parent.children;
}

std::pair<uint32_t, bool> ZoneBuilder::find_or_insert(const uint8_t* lower_name, size_t len,
                                                      uint32_t hash) {
  const uint32_t s = shard_of(hash, shards_.size());
  ZoneShard& shard = shard_for_write(uint8_t(s));
  uint32_t index = find_in(shard, lower_name, len, hash);
  if (index != kNone) return {(s << kShardShift) | index, false};
  return {insert(lower_name, len, hash), true};
}

void ZoneBuilder::reserve(size_t shard, size_t rrsets, size_t wire_bytes) {
  ZoneShard& s = shard_for_write(uint8_t(shard));
  s.rrsets.reserve(s.rrsets.size() + rrsets);
  s.wire.reserve(s.wire.size() + wire_bytes);
}

size_t ZoneBuilder::nodes_in(size_t shard) const { return shard_at(uint32_t(shard)).nodes.size(); }

uint32_t ZoneBuilder::find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept {
  const uint32_t s = shard_of(hash, shards_.size());
  uint32_t index = find_in(shard_at(s), lower_name, len, hash);
  return index == kNone ? kNone : (s << kShardShift) | index;
}

const Node& ZoneBuilder::node(uint32_t id) const {
  return shard_at(id >> kShardShift).nodes[id & kIndexMask];
}

Node& ZoneBuilder::writable(uint32_t id) {
  return shard_for_write(uint8_t(id >> kShardShift)).nodes[id & kIndexMask];
}

uint32_t ZoneBuilder::insert(const uint8_t* lower_name, size_t len, uint32_t hash) {
  const uint32_t s = shard_of(hash, shards_.size());
  ZoneShard& shard = shard_for_write(uint8_t(s));
  if ((shard.nodes.size() + 1) * 2 > shard.table.size())
    rebuild_table(shard, std::max<size_t>(16, shard.table.size() * 2));
  Node n;
  n.name_offset = uint32_t(shard.names.size());
  n.name_length = uint8_t(len);
  n.hash = hash;
  n.shard = uint8_t(s);
  shard.names.insert(shard.names.end(), lower_name, lower_name + len);
  const auto index = uint32_t(shard.nodes.size());
  shard.nodes.push_back(n);
  place(shard, index);
  ++zone_.node_count_;
  return (s << kShardShift) | index;
}

uint32_t ZoneBuilder::remove(uint32_t id) {
  const uint32_t pi = parent_of(node(id));
  Node& parent = writable(pi);
  --parent.children;
  if (parent.wildcard_child == id) parent.wildcard_child = kNone;
  ZoneShard& shard = shard_for_write(uint8_t(id >> kShardShift));
  const uint32_t index = id & kIndexMask;
  erase_from_table(shard, index);
  Node& n = shard.nodes[index];
  set_records(id, {});
  shard.garbage += n.name_length;
  n.name_length = 0;
  ++shard.removed;
  --zone_.node_count_;
  return pi;
}

size_t ZoneBuilder::set_records(uint32_t id, std::span<const RecordData* const> records) {
  ZoneShard& shard = shard_for_write(uint8_t(id >> kShardShift));
  Node& node = shard.nodes[id & kIndexMask];
  for (uint32_t i = node.first_rrset; i < node.first_rrset + node.rrset_count; ++i) {
    const RRset& old = shard.rrsets[i];
    shard.garbage += sizeof(RRset) + old.wire_length + old.target_length;
    for (const AdditionalName& a :
         std::span(shard.additional).subspan(old.additional_offset, old.additional_count))
      shard.garbage += sizeof(AdditionalName) + a.length;
    zone_.record_count_ -= old.count;
  }
  node.first_rrset = uint32_t(shard.rrsets.size());
  node.rrset_count = 0;
  std::vector<const RecordData*> sorted;
  if (!std::is_sorted(records.begin(), records.end(),
                      [](auto* a, auto* b) { return a->type < b->type; })) {
    sorted.assign(records.begin(), records.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](auto* a, auto* b) { return a->type < b->type; });
    records = sorted;
  }
  size_t stored = 0;
  uint8_t buf[kMaxNameLength];
  for (size_t g = 0; g < records.size();) {
    const uint16_t t = records[g]->type;
    size_t end = g;
    while (end < records.size() && records[end]->type == t) ++end;
    RRset rr;
    rr.type = t;
    rr.ttl = records[g]->ttl;
    rr.shard = node.shard;
    rr.wire_offset = uint32_t(shard.wire.size());
    std::set<std::string_view> seen;  // only for large sets; small ones compare directly
    for (size_t k = g; k < end; ++k) {
      const auto& rdata = records[k]->rdata;
      bool duplicate = false;
      if (end - g <= 32) {
        for (size_t j = g; j < k && !duplicate; ++j) duplicate = records[j]->rdata == rdata;
      } else {
        duplicate = !seen.insert(as_view(rdata)).second;
      }
      if (duplicate || rr.count == 65535) continue;
      uint8_t fixed[10];
      put16(fixed, t);
      put16(fixed + 2, kClassIn);
      put32(fixed + 4, rr.ttl);
      put16(fixed + 8, uint16_t(rdata.size()));
      shard.wire.insert(shard.wire.end(), fixed, fixed + 10);
      shard.wire.insert(shard.wire.end(), rdata.begin(), rdata.end());
      ++rr.count;
    }
    rr.wire_length = uint32_t(shard.wire.size() - rr.wire_offset);
    if ((t == type::CNAME || t == type::DNAME) && !records[g]->rdata.empty()) {
      size_t len = lower_copy(records[g]->rdata.data(), buf);
      rr.target_offset = uint32_t(shard.names.size());
      rr.target_length = uint8_t(len);
      shard.names.insert(shard.names.end(), buf, buf + len);
    }
    add_additional_names(shard, rr);
    shard.rrsets.push_back(rr);
    ++node.rrset_count;
    stored += rr.count;
    g = end;
  }
  zone_.record_count_ += stored;
  return stored;
}

void ZoneBuilder::add_additional_names(ZoneShard& shard, RRset& rr) const {
  const int offset = target_offset(rr.type);
  if (offset < 0 || rr.type == type::CNAME || rr.type == type::DNAME) return;
  const auto& origin = zone_.origin_;
  rr.additional_offset = uint32_t(shard.additional.size());
  uint8_t buf[kMaxNameLength];
  for (size_t p = rr.wire_offset; p < rr.wire_offset + rr.wire_length;) {
    const uint8_t* rdata = shard.wire.data() + p + 10;
    const size_t rdlen = get16(shard.wire.data() + p + 8);
    p += 10 + rdlen;
    if (rdlen <= size_t(offset)) continue;
    const size_t len = lower_copy(rdata + offset, buf);
    if (!name_is_below_or_equal(buf, len, origin.data(), origin.size())) continue;
    const uint32_t hash = name_hash(buf, len);
    auto known = std::span(shard.additional).subspan(rr.additional_offset);
    if (std::any_of(known.begin(), known.end(), [&](const AdditionalName& a) {
          return a.hash == hash && a.length == len &&
                 std::equal(buf, buf + len, shard.names.data() + a.name_offset);
        }))
      continue;
    shard.additional.push_back(
        {uint32_t(shard.names.size()), hash, find(buf, len, hash), uint8_t(len)});
    shard.names.insert(shard.names.end(), buf, buf + len);
  }
  rr.additional_count = uint16_t(shard.additional.size() - rr.additional_offset);
}

void ZoneBuilder::compact(ZoneShard& shard) {
  std::vector<RRset> rrsets;
  std::vector<uint8_t> names, wire;
  std::vector<AdditionalName> additional;
  rrsets.reserve(shard.rrsets.size());
  wire.reserve(shard.wire.size() - std::min(shard.wire.size(), shard.garbage));
  for (Node& n : shard.nodes) {
    if (n.name_length == 0) {
      n.name_offset = 0;
      continue;
    }
    const auto name_at = uint32_t(names.size());
    names.insert(names.end(), shard.names.begin() + n.name_offset,
                 shard.names.begin() + n.name_offset + n.name_length);
    n.name_offset = name_at;
    const auto first = uint32_t(rrsets.size());
    for (uint32_t i = n.first_rrset; i < n.first_rrset + n.rrset_count; ++i) {
      RRset rr = shard.rrsets[i];
      const auto wire_at = uint32_t(wire.size());
      wire.insert(wire.end(), shard.wire.begin() + rr.wire_offset,
                  shard.wire.begin() + rr.wire_offset + rr.wire_length);
      rr.wire_offset = wire_at;
      if (rr.target_length != 0) {
        const auto target_at = uint32_t(names.size());
        names.insert(names.end(), shard.names.begin() + rr.target_offset,
                     shard.names.begin() + rr.target_offset + rr.target_length);
        rr.target_offset = target_at;
      }
      const auto additional_at = uint32_t(additional.size());
      for (AdditionalName a :
           std::span(shard.additional).subspan(rr.additional_offset, rr.additional_count)) {
        names.insert(names.end(), shard.names.begin() + a.name_offset,
                     shard.names.begin() + a.name_offset + a.length);
        a.name_offset = uint32_t(names.size() - a.length);
        additional.push_back(a);
      }
      rr.additional_offset = additional_at;
      rrsets.push_back(rr);
    }
    n.first_rrset = first;
  }
  shard.rrsets = std::move(rrsets);
  shard.names = std::move(names);
  shard.wire = std::move(wire);
  shard.additional = std::move(additional);
  shard.garbage = 0;
}

void ZoneBuilder::finish() {
  for (size_t s = 0; s < written_.size(); ++s) {
    if (!written_[s]) continue;
    ZoneShard& shard = *written_[s];
    if (shard.garbage * 2 > shard.wire.size() + shard.rrsets.size() * sizeof(RRset)) {
      compact(shard);
    }
    shard.nodes.shrink_to_fit();
    shard.rrsets.shrink_to_fit();
    shard.names.shrink_to_fit();
    shard.wire.shrink_to_fit();
    shard.additional.shrink_to_fit();
    shards_[s] = std::move(written_[s]);
  }
  zone_.set_shards(std::move(shards_));
}

bool ZoneBuilder::worn() const {
  return std::any_of(written_.begin(), written_.end(), [](const auto& s) {
    return s && s->removed > 64 && s->removed * 2 > s->nodes.size();
  });
}

}  // namespace cdn::dns
