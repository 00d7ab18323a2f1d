// common/store/dns_config.h: what cdn-dnsd reads from the config database for one version, in
// one read transaction on one connection: the zones with the version that last changed each, the
// dns.* settings and the steering configuration; then, as the caller asks, the records of the
// zones it must compile whole or the owners that changed since the version it has compiled.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

// One read transaction on one connection, open while the object lives: the configuration of
// the current version (read on open), then the records the caller asks for, all of that version.
class DnsConfigRead {
 public:
  // Opens `db_path` read-only. Error.where is the path.
  static Result<std::unique_ptr<DnsConfigRead>> open(const std::string& db_path);
  DnsConfigRead(const DnsConfigRead&) = delete;
  DnsConfigRead& operator=(const DnsConfigRead&) = delete;
  ~DnsConfigRead();

  DnsConfig& config() { return config_; }
  // Every record of `zone`, in source order (views valid during the call).
  Status records(const std::string& zone, const std::function<void(const RecordView&)>& visit);
  // The owners whose records changed after version `since`; nullopt when more than `limit`.
  Result<std::optional<std::vector<std::string>>> changed_owners(const std::string& zone,
                                                                 int64_t since, size_t limit);
  // The records of one owner, in source order.
  Result<std::vector<RecordRow>> owner_records(const std::string& zone, const std::string& owner);

 private:
  explicit DnsConfigRead(Db db) : db_(std::move(db)) {}
  Db db_;
  DnsConfig config_;
};

}  // namespace cdn::store
