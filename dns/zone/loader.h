// dns/zone/loader.h: RFC 1035 master files (and single records) parsed with ldns.
// Every problem is reported as "FILE:LINE: reason"; a zone with any problem is not returned.
// Parsing is followed by validate_zone() (validate.h), so a returned ZoneData is servable.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/zone/zone_data.h"

namespace cdn::dns {

struct ZoneLoad {
  ZoneData zone;
  std::vector<Error> errors;  // every error found, in line order; empty means ok
  bool ok() const { return errors.empty(); }
};

// `origin` in presentation format ("example.com" or "example.com."). $ORIGIN defaults to it.
ZoneLoad load_zone_file(const std::filesystem::path& file, std::string_view origin);
// The same from text in memory; `source` names it in messages ("db:example.com").
ZoneLoad parse_zone_text(std::string_view text, std::string_view origin, std::string_view source);

// One record in presentation format ("www 300 IN A 192.0.2.1"), relative names completed with
// `origin`; for `cdnctl record add`. Does not validate against a zone.
Result<RecordData> parse_record(std::string_view text, std::string_view origin,
                                uint32_t default_ttl);

// Presentation format of one record: "www.example.com.\t300\tIN\tA\t192.0.2.1".
std::string record_to_text(const RecordData& record);
// Presentation format of a wire name, with the trailing dot ("www.example.com.").
std::string name_to_text(const WireName& name);
// Parse a presentation-format name (absolute, or relative to the root when it has no dot at the
// end).
Result<WireName> name_from_text(std::string_view text);

}  // namespace cdn::dns
