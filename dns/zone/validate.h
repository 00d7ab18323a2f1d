// dns/zone/validate.h: the rules a zone must follow before it is served, each error naming
// the source line: owners inside the zone, exactly one SOA and it at the apex, NS at the apex,
// CNAME and other data (RFC 1034 3.6.2, RRSIG/NSEC excepted), several CNAMEs at one name,
// DNAME with a CNAME at the same owner, records below a DNAME (RFC 6672 2.4), class IN only.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/zone/zone_data.h"

namespace cdn::dns {

// Every error, one "PLACE: reason" per line, as one Error.
Error joined_errors(const std::vector<Error>& errors);

// Errors name records as "SOURCE:LINE" (just SOURCE when the line is 0).
std::vector<Error> validate_zone(const ZoneData& zone);

// The same for a zone read from several files ($INCLUDE): `place(i)` names record i.
std::vector<Error> validate_zone(const ZoneData& zone,
                                 const std::function<std::string(size_t index)>& place);

}  // namespace cdn::dns
