// common/store/dns_config.h: what cdn-dnsd reads from the config database for one version, in
// one read transaction on one connection: the zones with the version that last changed each, the
// records of the zones the caller asks for (the others it has compiled already), the dns.*
// settings and the steering configuration.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/store/db.h"
#include "common/store/steer_config.h"

namespace cdn::store {

struct DnsConfig {
  int64_t version = 0;
  std::vector<ZoneHead> zones;  // by name
  std::vector<std::string>
      listen;                  // "127.0.0.1:53", "[::1]:53"; setting dns.listen (comma separated)
  std::string nsid;            // setting dns.nsid, empty = off
  std::string metrics_listen;  // setting dns.metrics, default "127.0.0.1:9531"
  SteerConfig steer;           // geoip_path from the setting geoip.path
};

// Says whether the records of a zone are needed; true for every zone when empty.
using ZoneWanted = std::function<bool(const ZoneHead& zone)>;
// Receives the records of each wanted zone in source order (views valid during the call).
using ZoneRecordVisitor = std::function<void(const ZoneHead& zone, const RecordView& record)>;

// Opens `db_path` read-only and reads the current version. Error.where is the path.
Result<DnsConfig> read_dns_config(const std::string& db_path, const ZoneWanted& wanted = {},
                                  const ZoneRecordVisitor& visit = {});

}  // namespace cdn::store
