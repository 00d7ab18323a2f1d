// dns/zone/compile.cc: ZoneData -> CompiledZone (see compiled_zone.h for the layout).
#include <algorithm>
#include <set>
#include <string_view>

#include "dns/zone/compiled_zone.h"

namespace cdn::dns {
namespace {

size_t table_size_for(size_t n) {
  size_t size = 16;
  while (size < n * 2) size <<= 1;
  return size;
}

// Copies an uncompressed wire name lower-cased; returns its length.
size_t lower_copy(const uint8_t* name, uint8_t* out) {
  size_t len = name_length(name);
  for (size_t i = 0; i < len; ++i) out[i] = ascii_lower(name[i]);
  return len;
}

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

}  // namespace

void CompiledZone::grow_table() {
  table_.assign(std::max<size_t>(16, table_.size() * 2), kNone);
  const size_t mask = table_.size() - 1;
  for (uint32_t ni = 0; ni < nodes_.size(); ++ni) {
    size_t slot = nodes_[ni].hash & mask;
    while (table_[slot] != kNone) slot = (slot + 1) & mask;
    table_[slot] = ni;
  }
}

uint32_t CompiledZone::insert_node(const uint8_t* lower_name, size_t len, uint32_t hash) {
  if ((nodes_.size() + 1) * 2 > table_.size()) grow_table();
  const size_t mask = table_.size() - 1;
  size_t slot = hash & mask;
  for (; table_[slot] != kNone; slot = (slot + 1) & mask) {
    const Node& n = nodes_[table_[slot]];
    if (n.hash == hash && n.name_length == len &&
        std::equal(lower_name, lower_name + len, names_.data() + n.name_offset))
      return table_[slot];
  }
  Node n;
  n.name_offset = uint32_t(names_.size());
  n.name_length = uint8_t(len);
  n.hash = hash;
  names_.insert(names_.end(), lower_name, lower_name + len);
  table_[slot] = uint32_t(nodes_.size());
  nodes_.push_back(n);
  return table_[slot];
}

Result<CompiledZone> CompiledZone::compile(const ZoneData& zone) {
  CompiledZone z;
  const auto& records = zone.records;
  z.origin_.resize(zone.origin.size());
  lower_copy(zone.origin.data(), z.origin_.data());
  z.origin_hash_ = name_hash(z.origin_.data(), z.origin_.size());
  z.table_.assign(table_size_for(records.size() + 1), kNone);
  z.nodes_.reserve(records.size() + 1);
  z.insert_node(z.origin_.data(), z.origin_.size(), z.origin_hash_);

  // 1. Nodes: every owner, and every empty non-terminal between it and the apex.
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
    size_t before = z.nodes_.size();
    owner_node[i] = z.insert_node(buf, len, hashes[0]);
    if (z.nodes_.size() == before) continue;  // known node: its ancestors are known too
    for (size_t l = 1; l < n && len - labels[l] > z.origin_.size(); ++l) {
      size_t count = z.nodes_.size();
      z.insert_node(buf + labels[l], len - labels[l], hashes[l]);
      if (z.nodes_.size() == count) break;
    }
  }
  z.record_count_ = records.size();

  // 2. RRsets: records grouped by (node, type) in source order, duplicates dropped
  // (RFC 2181 5), encoded into the wire arena. RFC 2181 5.2: one TTL per RRset, the first.
  std::vector<uint32_t> order(records.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (owner_node[a] != owner_node[b]) return owner_node[a] < owner_node[b];
    return records[a].type < records[b].type;
  });
  for (size_t g = 0; g < order.size();) {
    size_t end = g;
    const uint32_t ni = owner_node[order[g]];
    const uint16_t t = records[order[g]].type;
    while (end < order.size() && owner_node[order[end]] == ni && records[order[end]].type == t)
      ++end;
    Node& node = z.nodes_[ni];
    if (node.rrset_count == 0) node.first_rrset = uint32_t(z.rrsets_.size());
    ++node.rrset_count;
    RRset rr;
    rr.type = t;
    rr.ttl = records[order[g]].ttl;
    rr.wire_offset = uint32_t(z.wire_.size());
    std::set<std::string_view> seen;  // only for large sets; small ones compare directly
    for (size_t k = g; k < end; ++k) {
      const auto& rdata = records[order[k]].rdata;
      bool duplicate = false;
      if (end - g <= 32) {
        for (size_t j = g; j < k && !duplicate; ++j) duplicate = records[order[j]].rdata == rdata;
      } else {
        duplicate = !seen.insert(as_view(rdata)).second;
      }
      if (duplicate || rr.count == 65535) continue;
      uint8_t fixed[10];
      put16(fixed, t);
      put16(fixed + 2, kClassIn);
      put32(fixed + 4, rr.ttl);
      put16(fixed + 8, uint16_t(rdata.size()));
      z.wire_.insert(z.wire_.end(), fixed, fixed + 10);
      z.wire_.insert(z.wire_.end(), rdata.begin(), rdata.end());
      ++rr.count;
    }
    rr.wire_length = uint32_t(z.wire_.size() - rr.wire_offset);
    if ((t == type::CNAME || t == type::DNAME) && !records[order[g]].rdata.empty()) {
      size_t len = lower_copy(records[order[g]].rdata.data(), buf);
      rr.target_offset = uint32_t(z.names_.size());
      rr.target_length = uint8_t(len);
      z.names_.insert(z.names_.end(), buf, buf + len);
    }
    z.rrsets_.push_back(rr);
    g = end;
  }
  if (z.rrset(z.nodes_[0], type::SOA) == nullptr) return Error(zone.source, "no SOA at the apex");

  // 3. Cuts, DNAMEs above, wildcard children: parents before children (shorter names first).
  std::vector<uint32_t> by_length(z.nodes_.size());
  for (uint32_t i = 0; i < by_length.size(); ++i) by_length[i] = i;
  std::stable_sort(by_length.begin(), by_length.end(), [&](uint32_t a, uint32_t b) {
    return z.nodes_[a].name_length < z.nodes_[b].name_length;
  });
  for (uint32_t ni : by_length) {
    if (ni == 0) continue;
    const uint8_t* name = z.name(z.nodes_[ni]);
    const uint8_t* parent_name = name + name[0] + 1;
    size_t parent_len = z.nodes_[ni].name_length - name[0] - 1u;
    uint32_t pi = z.find(parent_name, parent_len, name_hash(parent_name, parent_len));
    Node& node = z.nodes_[ni];
    const Node& parent = z.nodes_[pi];
    node.cut = parent.cut;
    if (node.cut == kNone && z.rrset(node, type::NS) != nullptr) node.cut = ni;
    node.dname_above = parent.dname_above;
    if (node.dname_above == kNone && z.rrset(parent, type::DNAME) != nullptr) node.dname_above = pi;
    if (name[0] == 1 && name[1] == '*') z.nodes_[pi].wildcard_child = ni;
  }

  // 4. Additional section targets of NS/MX/SRV: nodes of this zone with A/AAAA.
  for (uint32_t ni = 0; ni < z.nodes_.size(); ++ni) {
    const Node& node = z.nodes_[ni];
    for (uint32_t ri = node.first_rrset; ri < node.first_rrset + node.rrset_count; ++ri) {
      RRset& rr = z.rrsets_[ri];
      int offset = target_offset(rr.type);
      if (rr.type == type::CNAME || rr.type == type::DNAME || offset < 0) continue;
      bool referral = rr.type == type::NS && node.cut == ni;
      rr.additional_offset = uint32_t(z.additional_.size());
      auto wire = z.wire(rr);
      for (size_t p = 0; p < wire.size();) {
        size_t rdlen = get16(wire.data() + p + 8);
        const uint8_t* rdata = wire.data() + p + 10;
        p += 10 + rdlen;
        if (rdlen <= size_t(offset)) continue;
        size_t len = lower_copy(rdata + offset, buf);
        uint32_t ti = z.find(buf, len, name_hash(buf, len));
        if (ti == kNone) continue;
        const Node& t = z.nodes_[ti];
        if (!z.rrset(t, type::A) && !z.rrset(t, type::AAAA)) continue;
        // Data below a cut is glue: only NS RRsets may point at it.
        if (rr.type != type::NS && t.cut != kNone) continue;
        auto added = z.additional(rr);
        if (std::any_of(added.begin(), added.begin() + rr.additional_count,
                        [&](const AdditionalTarget& a) { return a.node == ti; }))
          continue;
        bool required =
            referral && name_is_below_or_equal(buf, len, z.name(node), node.name_length);
        z.additional_.push_back({ti, required});
        ++rr.additional_count;
      }
    }
  }

  // 5. The negative-answer SOA (RFC 2308 3: TTL is the lesser of the SOA TTL and MINIMUM).
  {
    const RRset& soa = *z.rrset(z.nodes_[0], type::SOA);
    auto wire = z.wire(soa);  // the first SOA: TYPE CLASS TTL RDLENGTH MNAME RNAME 5x32 bits
    const uint8_t* rdata = wire.data() + 10;
    size_t rdlen = get16(wire.data() + 8);
    ApexTemplate& t = z.negative_soa_;
    auto pointer_here = [&t] {
      t.pointer_at[t.pointers++] = uint8_t(t.bytes.size());
      t.bytes.insert(t.bytes.end(), {0xC0, 0});
    };
    pointer_here();  // the owner: the apex
    t.bytes.insert(t.bytes.end(), wire.data(), wire.data() + 10);
    uint32_t minimum = get32(rdata + rdlen - 4);
    put32(t.bytes.data() + 2 + 4, std::min(soa.ttl, minimum));
    size_t pos = 0;
    for (int i = 0; i < 2; ++i) {  // MNAME, RNAME: compressible (RFC 1035 3.3.13)
      const uint8_t* name = rdata + pos;
      size_t len = lower_copy(name, buf);
      if (name_is_below_or_equal(buf, len, z.origin_.data(), z.origin_.size())) {
        size_t prefix = len - z.origin_.size();
        t.bytes.insert(t.bytes.end(), name, name + prefix);
        pointer_here();
      } else {
        t.bytes.insert(t.bytes.end(), name, name + len);
      }
      pos += len;
    }
    t.bytes.insert(t.bytes.end(), rdata + pos, rdata + rdlen);
    put16(t.bytes.data() + 2 + 8, uint16_t(t.bytes.size() - 12));
    z.origin_labels_ = label_count(z.origin_.data());
  }
  z.nodes_.shrink_to_fit();
  z.rrsets_.shrink_to_fit();
  z.names_.shrink_to_fit();
  z.wire_.shrink_to_fit();
  z.additional_.shrink_to_fit();
  return z;
}

size_t CompiledZone::memory_bytes() const {
  return nodes_.capacity() * sizeof(Node) + rrsets_.capacity() * sizeof(RRset) + names_.capacity() +
         wire_.capacity() + additional_.capacity() * sizeof(AdditionalTarget) +
         table_.capacity() * sizeof(uint32_t);
}

uint32_t CompiledZone::find(const uint8_t* lower_name, size_t len, uint32_t hash) const noexcept {
  const size_t mask = table_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint32_t ni = table_[slot];
    if (ni == kNone) return kNone;
    const Node& n = nodes_[ni];
    if (n.hash == hash && n.name_length == len &&
        std::equal(lower_name, lower_name + len, names_.data() + n.name_offset))
      return ni;
  }
}

const RRset* CompiledZone::rrset(const Node& node, uint16_t type) const noexcept {
  for (uint32_t i = node.first_rrset; i < node.first_rrset + node.rrset_count; ++i) {
    if (rrsets_[i].type == type) return &rrsets_[i];
  }
  return nullptr;
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
