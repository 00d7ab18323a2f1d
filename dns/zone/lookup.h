// dns/zone/lookup.h: what one zone says about one name and type (RFC 1034 4.3.2 step 3,
// wildcards per RFC 4592, DNAME per RFC 6672). Used by the answer path, which follows CNAME
// and DNAME chains by calling it again. Does no I/O and never allocates.
#pragma once
#include <cstddef>
#include <cstdint>

#include "dns/zone/compiled_zone.h"

namespace cdn::dns {

enum class LookupKind : uint8_t {
  Answer,    // `rrset` at `node` answers (for ANY: `node` has data)
  Cname,     // `node` has a CNAME (`rrset`) and the type asked for is not CNAME
  NoData,    // the name exists, the type does not (SOA in authority)
  NxDomain,  // no such name and no wildcard (SOA in authority)
  Referral,  // `node` is the delegation point (its NS RRset is `rrset`)
  Dname,     // `node` is an ancestor owning the DNAME `rrset`
};

struct LookupResult {
  LookupKind kind = LookupKind::NxDomain;
  uint32_t node = kNone;
  const RRset* rrset = nullptr;
  bool wildcard = false;  // synthesized from `node`, the wildcard (owner is the name asked)
};

// `name` at or below the zone's origin.
LookupResult lookup(const CompiledZone& zone, const NameView& name, uint16_t qtype) noexcept;

}  // namespace cdn::dns
