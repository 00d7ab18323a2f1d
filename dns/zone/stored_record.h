// dns/zone/stored_record.h: the wire form a record is stored in beside its text
// (common/store/db.h, records.wire), so cdn-dnsd loads zones from the database without parsing:
//   OWNER (uncompressed wire name, case as written) | TYPE (2) | CLASS (2) | RDATA (the rest)
// The TTL lives in its own column. cdnctl writes it from the record it parsed and validated.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "dns/zone/zone_data.h"

namespace cdn::dns {

std::string encode_stored_record(const RecordData& record);
// False when `bytes` is not a stored record (a bad owner name, too short).
bool decode_stored_record(std::string_view bytes, uint32_t ttl, RecordData& out);

}  // namespace cdn::dns
