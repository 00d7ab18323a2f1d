#include "dns/server/load.h"

#include <filesystem>

#include "common/store/dns_config.h"
#include "dns/steer/served.h"
#include "dns/zone/loader.h"
#include "dns/zone/stored_record.h"
#include "dns/zone/validate.h"

namespace cdn::dns {
namespace {

// Every error, one "PLACE: reason" per line.
Error joined(const std::vector<Error>& errors) {
  std::string text;
  for (const auto& e : errors) {
    if (!text.empty()) text += "\n";
    text += e.text();
  }
  return Error(text);
}

// A zone's records as the database hands them over, in source order.
struct ZoneRows {
  ZoneData data;
  std::vector<Error> errors;
};

void add_row(ZoneRows& rows, const std::string& zone, const store::RecordView& row) {
  RecordData record;
  const uint32_t line = uint32_t(rows.data.records.size() + rows.errors.size() + 1);
  if (row.wire.empty() || !decode_stored_record(row.wire, row.ttl, record)) {
    // A row written before records were stored in wire form: parse its text.
    std::string text = std::string(row.owner) + "\t" + std::to_string(row.ttl) + "\t" +
                       std::string(row.rclass) + "\t" + std::string(row.type) + "\t" +
                       std::string(row.rdata);
    auto parsed = parse_record(text, zone, row.ttl);
    if (!parsed) {
      rows.errors.emplace_back(rows.data.source + ":" + std::to_string(line), parsed.error().what);
      return;
    }
    record = std::move(*parsed);
  }
  record.line = line;
  rows.data.records.push_back(std::move(record));
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
    if (!load.ok()) return joined(load.errors);
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
  std::map<std::string, ZoneRows> read;  // the zones that changed, by name
  auto wanted = [this](const store::ZoneHead& zone) {
    auto it = zones_.find(zone.name);
    return it == zones_.end() || it->second.changed != zone.changed;
  };
  auto visit = [&read](const store::ZoneHead& zone, const store::RecordView& row) {
    add_row(read[zone.name], zone.name, row);
  };
  auto config = store::read_dns_config(source_.db_path, wanted, visit);
  if (!config) return config.error();

  // Zones: the unchanged ones shared, the others validated and compiled.
  Loaded out;
  std::map<std::string, KeptZone> zones;
  std::vector<std::shared_ptr<const CompiledZone>> compiled;
  for (const auto& head : config->zones) {
    if (!wanted(head)) {
      zones[head.name] = zones_[head.name];
      compiled.push_back(zones_[head.name].zone);
      ++out.zones_kept;
      continue;
    }
    ZoneRows& rows = read[head.name];
    rows.data.source = "db:" + head.name;
    auto origin = name_from_text(head.name);
    if (!origin) return Error(rows.data.source, origin.error().what);
    rows.data.origin = std::move(*origin);
    if (!rows.errors.empty()) return joined(rows.errors);
    if (auto errors = validate_zone(rows.data); !errors.empty()) return joined(errors);
    auto zone = CompiledZone::compile(rows.data);
    if (!zone) return zone.error();
    auto shared = std::make_shared<const CompiledZone>(std::move(zone.value()));
    rows = ZoneRows{};  // the records are compiled: free them before the next zone
    zones[head.name] = KeptZone{head.changed, shared};
    compiled.push_back(std::move(shared));
    ++out.zones_compiled;
  }

  // Steering: pushed RTTs join the latency map, then the tables are kept when nothing they
  // are compiled from changed.
  store::SteerConfig& steer = config->steer;
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
  options.version = config->version;
  options.nsid = source_.nsid.empty() ? config->nsid : source_.nsid;
  if (options.nsid.size() > 128) return Error("nsid", "longer than 128 bytes");
  auto snapshot = assemble_snapshot(std::move(compiled), options);
  if (!snapshot) return snapshot.error();
  (*snapshot)->steering = steering;
  out.snapshot = std::move(snapshot.value());
  out.overrides = std::move(steer.overrides);
  out.listen = std::move(config->listen);
  out.metrics_listen = std::move(config->metrics_listen);

  // Everything built: this is what the next load compares against.
  zones_ = std::move(zones);
  steer_ = std::move(steer);
  steering_ = std::move(steering);
  return out;
}

}  // namespace cdn::dns
