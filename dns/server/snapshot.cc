#include "dns/server/snapshot.h"

#include "dns/zone/loader.h"

namespace cdn::dns {

Result<std::shared_ptr<Snapshot>> assemble_snapshot(
    std::vector<std::shared_ptr<const CompiledZone>> zones, const SnapshotOptions& options) {
  auto snap = std::make_shared<Snapshot>();
  snap->options = options;
  for (auto& zone : zones) {
    std::string origin = name_to_text(zone->origin());
    if (auto added = snap->zones.add(std::move(zone)); !added) {
      return Error(origin, added.error().what);
    }
  }
  snap->zones.seal();
  return snap;
}

Result<std::shared_ptr<const Snapshot>> build_snapshot(const std::vector<ZoneData>& zones,
                                                       const SnapshotOptions& options) {
  std::vector<std::shared_ptr<const CompiledZone>> compiled;
  for (const auto& data : zones) {
    auto zone = CompiledZone::compile(data);
    if (!zone) return zone.error();
    for (const auto& other : compiled) {
      if (other->origin() == zone->origin())
        return Error(data.source, name_to_text(data.origin) + ": zone served twice");
    }
    compiled.push_back(std::make_shared<const CompiledZone>(std::move(zone.value())));
  }
  auto snap = assemble_snapshot(std::move(compiled), options);
  if (!snap) return snap.error();
  return std::shared_ptr<const Snapshot>(std::move(snap.value()));
}

}  // namespace cdn::dns
