// dns/zone/zone_data.h: a zone as loaded from a file or the config database, before compiling.
// Plain wire-format records in source order, each knowing the line it came from, so that every
// later check (validate.h) can name the place of a problem.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cdn::dns {

// A domain name in uncompressed wire format (length-prefixed labels ending with the root label),
// as written in the source (case preserved).
using WireName = std::vector<uint8_t>;

struct RecordData {
  WireName owner;
  uint16_t type = 0;
  uint16_t rclass = 1;  // IN
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;  // wire format, names uncompressed
  uint32_t line = 0;           // line in `ZoneData::source`, 0 when not from a file
};

struct ZoneData {
  WireName origin;
  std::string source;  // file path or "db:<zone>" for messages
  std::vector<RecordData> records;
};

}  // namespace cdn::dns
