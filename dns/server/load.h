// dns/server/load.h: builds cdn-dnsd's snapshots from the config database or zone files. DOC:
// A load reads one config version in one read transaction (common/store/dns_config.h) and keeps
// everything that did not change since the last successful load: a zone whose last change is
// the one compiled already is shared with the snapshot being served (its records are not even
// read); a zone with a few changed owners is patched (CompiledZone::patch: only those owners'
// records are read, only the shards they live in copied); and the steering tables are rebuilt
// only when the steering configuration or the MaxMind DB file changed. Operator overrides of edge
// states never rebuild anything: they are returned for the server's SteeringStates. A failed load
// leaves the loader as it was, so the next attempt compares against what is served.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/store/steer_config.h"
#include "dns/server/snapshot.h"

namespace cdn::dns {

struct ServedSteering;

struct ZoneFile {
  std::string origin;  // "example.com"
  std::string path;
};

struct LoadSource {
  std::string db_path;               // appliance mode when not empty
  std::vector<ZoneFile> zone_files;  // standalone mode
  std::string nsid;                  // --nsid; wins over the setting dns.nsid
};

struct Loaded {
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<store::EdgeOverride> overrides;  // the operator's, from the same version
  std::vector<std::string> listen;             // settings dns.listen and dns.metrics
  std::string metrics_listen;
  size_t zones_compiled = 0;  // zones read and compiled whole by this load
  size_t zones_patched = 0;   // zones made from the previous one and the owners that changed
  size_t zones_kept = 0;      // zones shared with the previous snapshot
  bool steering_built = false;
};

class SnapshotLoader {
 public:
  explicit SnapshotLoader(LoadSource source) : source_(std::move(source)) {}
  // Not thread-safe: the server runs one load at a time. `pushed_rtts` (healthd's measured
  // RTTs) win over the database's latency entries for the same prefix and edge.
  Result<Loaded> load(const std::vector<store::LatencyEntry>& pushed_rtts);

 private:
  Result<Loaded> load_files();
  Result<Loaded> load_database(const std::vector<store::LatencyEntry>& pushed_rtts);

  struct KeptZone {
    int64_t changed = 0;  // the version that last changed it
    std::shared_ptr<const CompiledZone> zone;
  };
  LoadSource source_;
  std::map<std::string, KeptZone> zones_;    // by name, as the last successful load left them
  std::optional<store::SteerConfig> steer_;  // what steering_ was built from
  std::shared_ptr<const ServedSteering> steering_;
};

}  // namespace cdn::dns
