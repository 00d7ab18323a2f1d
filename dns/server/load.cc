#include "dns/server/load.h"

#include <filesystem>

#include "common/store/dns_config.h"
#include "dns/steer/served.h"
#include "dns/zone/loader.h"
#include "dns/zone/stored_record.h"
#include "dns/zone/validate.h"

namespace cdn::dns {
namespace {

// A zone with more changed owners than this since it was compiled is compiled whole again.
constexpr size_t kMaxPatchedOwners = 1000;

// A stored record: its wire form, or for a row written before records were stored in wire
// form, its text parsed.
Result<RecordData> record_from_row(const std::string& zone, const store::RecordView& row) {
  RecordData record;
  if (!row.wire.empty() && decode_stored_record(row.wire, row.ttl, record)) return record;
  std::string text = std::string(row.owner) + "\t" + std::to_string(row.ttl) + "\t" +
                     std::string(row.rclass) + "\t" + std::string(row.type) + "\t" +
                     std::string(row.rdata);
  return parse_record(text, zone, row.ttl);
}

// Reads every record of a zone and compiles it.
Result<std::shared_ptr<const CompiledZone>> compile_stored(store::DnsConfigRead& read,
                                                           const std::string& name) {
  ZoneData data;
  data.source = "db:" + name;
  auto origin = name_from_text(name);
  if (!origin) return Error(data.source, origin.error().what);
  data.origin = std::move(*origin);
  std::vector<Error> errors;
  auto visited = read.records(name, [&](const store::RecordView& row) {
    const uint32_t line = uint32_t(data.records.size() + errors.size() + 1);
    auto record = record_from_row(name, row);
    if (!record) {
      errors.emplace_back(data.source + ":" + std::to_string(line), record.error().what);
      return;
    }
    record->line = line;
    data.records.push_back(std::move(*record));
  });
  if (!visited) return visited.error();
  if (!errors.empty()) return joined_errors(errors);
  if (auto invalid = validate_zone(data); !invalid.empty()) return joined_errors(invalid);
  auto zone = CompiledZone::compile(data);
  if (!zone) return zone.error();
  return std::make_shared<const CompiledZone>(std::move(zone.value()));
}

// The compiled zone with the owners changed after version `since` read again; null when the
// change is too large or touches the zone's structure (compile it whole).
Result<std::shared_ptr<const CompiledZone>> patch_stored(store::DnsConfigRead& read,
                                                         const std::string& name,
                                                         const CompiledZone& compiled,
                                                         int64_t since) {
  const std::string source = "db:" + name;
  auto owners = read.changed_owners(name, since, kMaxPatchedOwners);
  if (!owners) return owners.error();
  if (!*owners) return std::shared_ptr<const CompiledZone>();
  std::vector<OwnerChange> changes;
  for (const auto& owner : **owners) {
    OwnerChange change;
    auto wire = name_from_text(owner);
    if (!wire) return Error(source, owner + ": " + wire.error().what);
    change.owner = std::move(*wire);
    auto rows = read.owner_records(name, owner);
    if (!rows) return rows.error();
    for (const auto& row : *rows) {
      auto record = record_from_row(
          name, store::RecordView{row.owner, row.rclass, row.type, row.rdata, row.ttl, row.wire});
      if (!record) return Error(source, row.text() + ": " + record.error().what);
      change.records.push_back(std::move(*record));
    }
    changes.push_back(std::move(change));
  }
  auto patched = compiled.patch(changes, source);
  if (!patched) return patched.error();
  if (!*patched) return std::shared_ptr<const CompiledZone>();
  return std::make_shared<const CompiledZone>(std::move(**patched));
}

bool same_file_as_loaded(const ServedSteering& steering, const std::string& path) {
  if (!steering.geo) return path.empty();
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return false;
  auto size = std::filesystem::file_size(path, ec);
  return !ec && mtime == steering.geo_mtime && size == steering.geo_size;
}

}  // namespace

Result<Loaded> SnapshotLoader::load(const std::vector<store::LatencyEntry>& pushed_rtts) {
  auto loaded = source_.db_path.empty() ? load_files() : load_database(pushed_rtts);
  if (loaded && source_.nsid.size() > 128) return Error("nsid", "longer than 128 bytes");
  return loaded;
}

Result<Loaded> SnapshotLoader::load_files() {
  std::vector<ZoneData> zones;
  for (const auto& f : source_.zone_files) {
    auto load = load_zone_file(f.path, f.origin);
    if (!load.ok()) return joined_errors(load.errors);
    zones.push_back(std::move(load.zone));
  }
  SnapshotOptions options;
  options.nsid = source_.nsid;
  if (options.nsid.size() > 128) return Error("nsid", "longer than 128 bytes");
  auto snapshot = build_snapshot(zones, options);
  if (!snapshot) return snapshot.error();
  Loaded out;
  out.snapshot = std::move(snapshot.value());
  out.zones_compiled = zones.size();
  return out;
}

Result<Loaded> SnapshotLoader::load_database(const std::vector<store::LatencyEntry>& pushed_rtts) {
  auto read = store::DnsConfigRead::open(source_.db_path);
  if (!read) return read.error();

  // Zones: the unchanged ones shared, the changed ones patched when they can be, the others
  // read and compiled whole.
  Loaded out;
  std::map<std::string, KeptZone> zones;
  std::vector<std::shared_ptr<const CompiledZone>> compiled;
  for (const auto& head : (*read)->config().zones) {
    auto kept = zones_.find(head.name);
    std::shared_ptr<const CompiledZone> zone;
    if (kept != zones_.end() && kept->second.changed == head.changed) {
      zone = kept->second.zone;
      ++out.zones_kept;
    } else if (kept != zones_.end()) {
      auto patched = patch_stored(**read, head.name, *kept->second.zone, kept->second.changed);
      if (!patched) return patched.error();
      zone = std::move(*patched);
      if (zone) ++out.zones_patched;
    }
    if (!zone) {
      auto whole = compile_stored(**read, head.name);
      if (!whole) return whole.error();
      zone = std::move(*whole);
      ++out.zones_compiled;
    }
    zones[head.name] = KeptZone{head.changed, zone};
    compiled.push_back(std::move(zone));
  }
  store::DnsConfig config = std::move((*read)->config());
  read->reset();  // ends the read transaction

  // Steering: pushed RTTs join the latency map, then the tables are kept when nothing they
  // are compiled from changed.
  store::SteerConfig& steer = config.steer;
  for (const auto& pushed : pushed_rtts) {
    bool replaced = false;
    for (auto& l : steer.latency) {
      if (l.prefix == pushed.prefix && l.edge == pushed.edge) {
        l.rtt_ms = pushed.rtt_ms;
        replaced = true;
      }
    }
    if (!replaced) steer.latency.push_back(pushed);
  }
  std::shared_ptr<const ServedSteering> steering;
  if (!steer.names.empty()) {
    if (steering_ && steer_ && store::same_tables(*steer_, steer) &&
        same_file_as_loaded(*steering_, steer.geoip_path)) {
      steering = steering_;
    } else {
      auto built = build_steering(steer);
      if (!built) return built.error();
      steering = std::move(built.value());
      out.steering_built = true;
    }
  }

  SnapshotOptions options;
  options.version = config.version;
  options.nsid = source_.nsid.empty() ? config.nsid : source_.nsid;
  if (options.nsid.size() > 128) return Error("nsid", "longer than 128 bytes");
  auto snapshot = assemble_snapshot(std::move(compiled), options);
  if (!snapshot) return snapshot.error();
  (*snapshot)->steering = steering;
  out.snapshot = std::move(snapshot.value());
  out.overrides = std::move(steer.overrides);
  out.listen = std::move(config.listen);
  out.metrics_listen = std::move(config.metrics_listen);

  // Everything built: this is what the next load compares against.
  zones_ = std::move(zones);
  steer_ = std::move(steer);
  steering_ = std::move(steering);
  return out;
}

}  // namespace cdn::dns
