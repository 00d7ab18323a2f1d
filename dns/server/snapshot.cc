#include "dns/server/snapshot.h"

#include "dns/zone/loader.h"

namespace cdn::dns {

Result<std::shared_ptr<const Snapshot>> build_snapshot(const std::vector<ZoneData>& zones,
                                                       const SnapshotOptions& options) {
  auto snap = std::make_shared<Snapshot>();
  snap->options = options;
  for (const auto& data : zones) {
    auto compiled = CompiledZone::compile(data);
    if (!compiled) return compiled.error();
    if (auto added = snap->zones.add(std::move(compiled.value())); !added) {
      return Error(data.source, name_to_text(data.origin) + ": " + added.error().what);
    }
  }
  snap->zones.seal();
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace cdn::dns
