// dns/server/snapshot.h: everything the query path reads, immutable once built: the compiled
// zones and the server identity. Workers take one per batch from a Published<Snapshot>;
// reload builds a new one off the query path.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/zone/compiled_zone.h"
#include "dns/zone/zone_data.h"

namespace cdn::dns {

struct ServedSteering;  // dns/steer/served.h

struct SnapshotOptions {
  int64_t version = 0;              // config version (0 in standalone mode)
  std::string nsid;                 // RFC 5001 NSID payload, empty = no NSID
  uint16_t max_udp_payload = 1232;  // what we advertise and the cap on UDP responses
};

struct Snapshot {
  SnapshotOptions options;
  ZoneSet zones;
  std::shared_ptr<const ServedSteering> steering;  // null: no steered names
};

// Compiles the zones (validated ZoneData) into a snapshot. Fails naming the zone on a
// duplicate zone or a zone that does not compile.
Result<std::shared_ptr<const Snapshot>> build_snapshot(const std::vector<ZoneData>& zones,
                                                       const SnapshotOptions& options);
// The same from zones compiled already (some of them shared with the snapshot being served).
Result<std::shared_ptr<Snapshot>> assemble_snapshot(
    std::vector<std::shared_ptr<const CompiledZone>> zones, const SnapshotOptions& options);

}  // namespace cdn::dns
