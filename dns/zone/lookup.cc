#include "dns/zone/lookup.h"

#include "dns/wire/wire.h"

namespace cdn::dns {
namespace {

LookupResult at_node(const CompiledZone& zone, uint32_t ni, uint16_t qtype, bool wildcard) {
  const Node& node = zone.node(ni);
  LookupResult r;
  r.node = ni;
  r.wildcard = wildcard;
  if (qtype == type::ANY) {
    r.kind = node.rrset_count ? LookupKind::Answer : LookupKind::NoData;
    return r;
  }
  if (const RRset* rr = zone.rrset(node, qtype)) {
    r.kind = LookupKind::Answer;
    r.rrset = rr;
    return r;
  }
  if (const RRset* cname = zone.rrset(node, type::CNAME)) {
    r.kind = LookupKind::Cname;
    r.rrset = cname;
    return r;
  }
  r.kind = LookupKind::NoData;
  return r;
}

// The RRset of `type` at `node`, as a result of `kind` (a referral's NS, a DNAME).
LookupResult rrset_at(const CompiledZone& zone, LookupKind kind, uint32_t node, uint16_t type) {
  LookupResult r;
  r.kind = kind;
  r.node = node;
  r.rrset = zone.rrset(zone.node(node), type);
  return r;
}

LookupResult referral(const CompiledZone& zone, uint32_t cut) {
  return rrset_at(zone, LookupKind::Referral, cut, type::NS);
}

LookupResult dname(const CompiledZone& zone, uint32_t owner) {
  return rrset_at(zone, LookupKind::Dname, owner, type::DNAME);
}

}  // namespace

LookupResult lookup(const CompiledZone& zone, const NameView& q, uint16_t qtype) noexcept {
  const uint8_t* name = q.name;
  const size_t len = q.len;
  uint32_t ni = zone.find(name, len, q.hashes[0]);
  if (ni != kNone) {
    const Node& node = zone.node(ni);
    // A delegation point answers DS itself (RFC 4035 3.1.4.1); everything else at or below a
    // cut is referred (data below it is glue, not authoritative).
    if (node.cut != kNone && !(node.cut == ni && qtype == type::DS))
      return referral(zone, node.cut);
    if (node.dname_above != kNone) return dname(zone, node.dname_above);
    return at_node(zone, ni, qtype, false);
  }
  // The closest encloser: the longest existing ancestor (the apex at worst).
  const size_t origin_len = zone.origin().size();
  for (size_t i = 1; i < q.label_count; ++i) {
    const uint8_t* suffix = name + q.labels[i];
    size_t suffix_len = len - q.labels[i];
    if (suffix_len < origin_len) break;
    uint32_t ci = zone.find(suffix, suffix_len, q.hashes[i]);
    if (ci == kNone) continue;
    const Node& encloser = zone.node(ci);
    if (encloser.cut != kNone) return referral(zone, encloser.cut);
    if (zone.rrset(encloser, type::DNAME)) return dname(zone, ci);
    if (encloser.dname_above != kNone) return dname(zone, encloser.dname_above);
    if (encloser.wildcard_child != kNone) {
      const Node& wild = zone.node(encloser.wildcard_child);
      if (wild.cut != kNone) return referral(zone, wild.cut);
      return at_node(zone, encloser.wildcard_child, qtype, true);
    }
    LookupResult r;
    r.kind = LookupKind::NxDomain;
    r.node = ci;
    return r;
  }
  return LookupResult{};  // unreachable for names within the zone: the apex always exists
}

}  // namespace cdn::dns
