// dns/zone/compile.cc: ZoneData -> CompiledZone (see compiled_zone.h for the layout).
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

#include "dns/wire/wire.h"
#include "dns/zone/compiled_zone.h"

namespace cdn::dns {
namespace {

std::string lower_key(const std::vector<uint8_t>& name) {
  std::string key(name.begin(), name.end());
  for (auto& c : key) c = char(ascii_lower(uint8_t(c)));
  return key;
}

std::vector<uint8_t> to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

size_t table_size_for(size_t n) {
  size_t size = 16;
  while (size < n * 2) size <<= 1;
  return size;
}

// The name embedded in the rdata of NS, MX, SRV, CNAME, DNAME, or empty.
std::vector<uint8_t> rdata_target(uint16_t type, const std::vector<uint8_t>& rdata) {
  size_t offset = 0;
  switch (type) {
    case type::NS:
    case type::CNAME:
    case type::DNAME:
      offset = 0;
      break;
    case type::MX:
      offset = 2;
      break;
    case type::SRV:
      offset = 6;
      break;
    default:
      return {};
  }
  if (rdata.size() <= offset) return {};
  std::vector<uint8_t> name(rdata.begin() + long(offset), rdata.end());
  name.resize(name_length(name.data()));
  for (auto& c : name) c = ascii_lower(c);
  return name;
}

}  // namespace

Result<CompiledZone> CompiledZone::compile(const ZoneData& zone) {
  CompiledZone z;
  z.origin_ = to_bytes(lower_key(zone.origin));
  z.origin_hash_ = name_hash(z.origin_.data(), z.origin_.size());

  // 1. Nodes: the apex first, every owner, and every empty non-terminal up to the apex.
  std::unordered_map<std::string, uint32_t> index;
  auto add_node = [&](const std::string& key) -> uint32_t {
    auto [it, inserted] = index.emplace(key, uint32_t(z.nodes_.size()));
    if (inserted) {
      Node n;
      n.name = to_bytes(key);
      n.hash = name_hash(n.name.data(), n.name.size());
      z.nodes_.push_back(std::move(n));
    }
    return it->second;
  };
  const std::string origin_key = lower_key(zone.origin);
  add_node(origin_key);

  // RRsets per (node, type), records in source order, duplicates dropped (RFC 2181 5).
  struct Pending {
    uint32_t ttl = 0;
    std::vector<std::vector<uint8_t>> rdatas;
  };
  std::vector<std::map<uint16_t, Pending>> pending;
  for (const auto& rec : zone.records) {
    std::string key = lower_key(rec.owner);
    if (!name_is_below_or_equal(reinterpret_cast<const uint8_t*>(key.data()), key.size(),
                                z.origin_.data(), z.origin_.size())) {
      return Error(zone.source + ":" + std::to_string(rec.line), "owner outside the zone");
    }
    uint32_t ni = add_node(key);
    // Ancestors up to the apex become (possibly empty) nodes.
    for (size_t pos = size_t(uint8_t(key[0])) + 1; key.size() - pos > origin_key.size();
         pos += size_t(uint8_t(key[pos])) + 1) {
      add_node(key.substr(pos));
    }
    if (pending.size() < z.nodes_.size()) pending.resize(z.nodes_.size());
    auto& set = pending[ni][rec.type];
    if (set.rdatas.empty()) set.ttl = rec.ttl;  // RFC 2181 5.2: one TTL per RRset; the first wins
    if (std::find(set.rdatas.begin(), set.rdatas.end(), rec.rdata) == set.rdatas.end())
      set.rdatas.push_back(rec.rdata);
    ++z.record_count_;
  }
  pending.resize(z.nodes_.size());

  // 2. Encode RRsets, grouped by node, ordered by type.
  for (uint32_t ni = 0; ni < z.nodes_.size(); ++ni) {
    Node& node = z.nodes_[ni];
    node.first_rrset = uint32_t(z.rrsets_.size());
    for (auto& [type, set] : pending[ni]) {
      RRset rr;
      rr.type = type;
      rr.ttl = set.ttl;
      rr.count = uint16_t(std::min<size_t>(set.rdatas.size(), 65535));
      for (const auto& rdata : set.rdatas) {
        uint8_t fixed[10];
        put16(fixed, type);
        put16(fixed + 2, kClassIn);
        put32(fixed + 4, set.ttl);
        put16(fixed + 8, uint16_t(rdata.size()));
        rr.wire.insert(rr.wire.end(), fixed, fixed + 10);
        rr.wire.insert(rr.wire.end(), rdata.begin(), rdata.end());
      }
      if (type == type::CNAME || type == type::DNAME) rr.target = rdata_target(type, set.rdatas[0]);
      z.rrsets_.push_back(std::move(rr));
    }
    node.rrset_count = uint16_t(z.rrsets_.size() - node.first_rrset);
  }
  if (z.rrset(z.nodes_[0], type::SOA) == nullptr) return Error(zone.source, "no SOA at the apex");

  // 3. Hash table.
  z.table_.assign(table_size_for(z.nodes_.size()), kNone);
  const size_t mask = z.table_.size() - 1;
  for (uint32_t ni = 0; ni < z.nodes_.size(); ++ni) {
    size_t slot = z.nodes_[ni].hash & mask;
    while (z.table_[slot] != kNone) slot = (slot + 1) & mask;
    z.table_[slot] = ni;
  }

  // 4. Cuts, DNAMEs above, wildcard children: parents before children (fewer labels first).
  std::vector<uint32_t> order(z.nodes_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return z.nodes_[a].name.size() < z.nodes_[b].name.size();
  });
  for (uint32_t ni : order) {
    if (ni == 0) continue;
    Node& node = z.nodes_[ni];
    const uint8_t* parent_name = node.name.data() + node.name[0] + 1;
    size_t parent_len = node.name.size() - node.name[0] - 1;
    uint32_t pi = z.find(parent_name, parent_len, name_hash(parent_name, parent_len));
    const Node& parent = z.nodes_[pi];
    node.cut = parent.cut;
    if (node.cut == kNone && z.rrset(node, type::NS) != nullptr) node.cut = ni;
    node.dname_above = parent.dname_above;
    if (node.dname_above == kNone && z.rrset(parent, type::DNAME) != nullptr) node.dname_above = pi;
    if (node.name[0] == 1 && node.name[1] == '*') z.nodes_[pi].wildcard_child = ni;
  }

  // 5. Additional section data for NS/MX/SRV.
  for (uint32_t ni = 0; ni < z.nodes_.size(); ++ni) {
    const Node& node = z.nodes_[ni];
    for (uint32_t ri = node.first_rrset; ri < node.first_rrset + node.rrset_count; ++ri) {
      RRset& rr = z.rrsets_[ri];
      if (rr.type != type::NS && rr.type != type::MX && rr.type != type::SRV) continue;
      bool referral = rr.type == type::NS && node.cut == ni;
      for (const auto& rdata : pending[ni][rr.type].rdatas) {
        auto target = rdata_target(rr.type, rdata);
        if (target.empty()) continue;
        uint32_t ti = z.find(target.data(), target.size(), name_hash(target.data(), target.size()));
        if (ti == kNone) continue;
        const Node& t = z.nodes_[ti];
        if (!z.rrset(t, type::A) && !z.rrset(t, type::AAAA)) continue;
        // Data below a cut is glue: only NS RRsets may point at it.
        if (rr.type != type::NS && t.cut != kNone) continue;
        if (std::find(rr.additional.begin(), rr.additional.end(), ti) != rr.additional.end())
          continue;
        rr.additional.push_back(ti);
        rr.glue_required.push_back(referral &&
                                   name_is_below_or_equal(target.data(), target.size(),
                                                          node.name.data(), node.name.size()));
      }
    }
  }

  // 6. The negative-answer SOA (RFC 2308 3: TTL is the lesser of the SOA TTL and MINIMUM).
  z.negative_soa_ = *z.rrset(z.nodes_[0], type::SOA);
  {
    auto& w = z.negative_soa_.wire;
    uint32_t minimum = get32(w.data() + w.size() - 4);
    uint32_t ttl = std::min(z.negative_soa_.ttl, minimum);
    z.negative_soa_.ttl = ttl;
    put32(w.data() + 4, ttl);
  }
  return z;
}

uint32_t CompiledZone::find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept {
  const size_t mask = table_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint32_t ni = table_[slot];
    if (ni == kNone) return kNone;
    const Node& n = nodes_[ni];
    if (n.hash == hash && n.name.size() == len &&
        std::equal(lower_name, lower_name + len, n.name.data()))
      return ni;
  }
}

const RRset* CompiledZone::rrset(const Node& node, uint16_t type) const noexcept {
  for (uint32_t i = node.first_rrset; i < node.first_rrset + node.rrset_count; ++i) {
    if (rrsets_[i].type == type) return &rrsets_[i];
  }
  return nullptr;
}

Status ZoneSet::add(CompiledZone zone) {
  for (const auto& z : zones_) {
    if (z.origin() == zone.origin()) return Error("zone served twice");
  }
  zones_.push_back(std::move(zone));
  return Ok{};
}

void ZoneSet::seal() {
  table_.assign(table_size_for(zones_.size()), kNone);
  const size_t mask = table_.size() - 1;
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    size_t slot = zones_[i].origin_hash() & mask;
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
      const auto& o = zones_[zi].origin();
      if (zones_[zi].origin_hash() == h && o.size() == suffix_len &&
          std::equal(suffix, suffix + suffix_len, o.data()))
        return &zones_[zi];
    }
  }
  return nullptr;
}

}  // namespace cdn::dns
