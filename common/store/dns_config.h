// common/store/dns_config.h: what cdn-dnsd reads from the config database, as plain structs,
// read in one transaction so that it is exactly one config version.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace cdn::store {

struct ZoneText {
  std::string name;  // "example.com." (absolute, lower case)
  std::string text;  // the zone as an RFC 1035 master file, one record per line
};

struct DnsConfig {
  int64_t version = 0;
  std::vector<ZoneText> zones;
  std::vector<std::string>
      listen;                  // "127.0.0.1:53", "[::1]:53"; setting dns.listen (comma separated)
  std::string nsid;            // setting dns.nsid, empty = off
  std::string metrics_listen;  // setting dns.metrics, default "127.0.0.1:9531"
};

// Opens `db_path` read-only and reads the current version. Error.where is the path.
Result<DnsConfig> read_dns_config(const std::string& db_path);

}  // namespace cdn::store
