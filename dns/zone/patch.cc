// dns/zone/patch.cc: a compiled zone with a few owner names changed, sharing every shard those
// names do not live in (compiled_zone.h). A change replaces all records of one owner; names
// that gain records get their node (and any empty non-terminals above it) and inherit their
// links from the parent; names left without records and without children are taken out, and
// so are empty non-terminals left without children above them. What would move links under
// other names (the apex, NS, DNAME, SOA) is left to a whole compile, and a zone whose shards
// have outgrown its shard count or filled with removed nodes is compiled whole again too.
#include <string>

#include "dns/zone/compiled_zone.h"
#include "dns/zone/loader.h"
#include "dns/zone/validate.h"
#include "dns/zone/zone_builder.h"

namespace cdn::dns {
namespace {

bool structural(uint16_t t) { return t == type::NS || t == type::DNAME || t == type::SOA; }

}  // namespace

Result<std::optional<CompiledZone>> CompiledZone::patch(const std::vector<OwnerChange>& changes,
                                                        const std::string& source) const {
  if (node_count_ > 4 * kNodesPerShard * shards_.size() && shards_.size() < kMaxShards)
    return std::optional<CompiledZone>();
  uint8_t buf[kMaxNameLength];
  for (const auto& change : changes) {
    if (change.owner.empty() || name_length(change.owner.data()) != change.owner.size())
      return Error(source, "a changed owner is not a wire name");
    size_t len = lower_copy(change.owner.data(), buf);
    if (!name_is_below_or_equal(buf, len, origin_.data(), origin_.size()))
      return Error(source,
                   name_to_text(change.owner) + " is outside the zone " + name_to_text(origin_));
    if (len == origin_.size()) return std::optional<CompiledZone>();
    for (const auto& r : change.records) {
      if (structural(r.type)) return std::optional<CompiledZone>();
    }
    if (uint32_t id = find(buf, len, name_hash(buf, len)); id != kNone) {
      for (const RRset& rr : rrsets(node(id))) {
        if (structural(rr.type)) return std::optional<CompiledZone>();
      }
    }
  }

  // The rules of validate_zone() over what changed, with the apex for its SOA and NS.
  ZoneData touched;
  touched.origin = origin_;
  touched.source = source;
  touched.records = records(apex());
  for (const auto& change : changes) {
    touched.records.insert(touched.records.end(), change.records.begin(), change.records.end());
  }
  if (auto errors = validate_zone(touched); !errors.empty()) return joined_errors(errors);

  CompiledZone z = *this;
  ZoneBuilder b(z);
  uint8_t labels[kMaxLabels];
  uint32_t hashes[kMaxLabels + 1];
  std::vector<const RecordData*> records;
  for (const auto& change : changes) {
    size_t len = lower_copy(change.owner.data(), buf);
    size_t n = 0;
    for (size_t p = 0; buf[p] != 0; p += buf[p] + 1) labels[n++] = uint8_t(p);
    suffix_hashes(buf, labels, n, hashes);
    uint32_t id = b.find(buf, len, hashes[0]);
    if (change.records.empty()) {
      if (id == kNone) continue;
      b.set_records(id, {});
      while (id != z.apex_ && b.node(id).rrset_count == 0 && b.node(id).children == 0) {
        id = b.remove(id);
      }
      continue;
    }
    if (id == kNone) {
      // The closest existing ancestor (the apex at worst), then the names below it, down.
      size_t l = 1;
      while (l < n && b.find(buf + labels[l], len - labels[l], hashes[l]) == kNone) ++l;
      while (l-- > 0) {
        id = b.insert(buf + labels[l], len - labels[l], hashes[l]);
        b.link(id);
        if (const Node& added = b.node(id); added.dname_above != kNone) {
          const Node& dname = b.node(added.dname_above);
          const uint8_t* dname_name = b.name(dname);
          return Error(source,
                       name_to_text(change.owner) + " is below the DNAME at " +
                           name_to_text(WireName(dname_name, dname_name + dname.name_length)) +
                           " (RFC 6672 2.4)");
        }
      }
    }
    records.clear();
    for (const auto& r : change.records) records.push_back(&r);
    b.set_records(id, records);
  }
  if (b.worn()) return std::optional<CompiledZone>();
  b.finish();
  return std::optional<CompiledZone>(std::move(z));
}

}  // namespace cdn::dns
