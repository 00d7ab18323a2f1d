#include "common/store/dns_config.h"

#include "common/store/db.h"

namespace cdn::store {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  auto flush = [&] {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    item.clear();
  };
  for (char c : text) {
    if (c == ',') {
      flush();
    } else {
      item += c;
    }
  }
  flush();
  return out;
}

}  // namespace

Result<DnsConfig> read_dns_config(const std::string& db_path, const ZoneWanted& wanted,
                                  const ZoneRecordVisitor& visit) {
  Db::Options options;
  options.read_only = true;
  auto db = Db::open(db_path, options);
  if (!db) return db.error();
  // One read transaction: every read below sees the same version.
  if (auto st = db->exec("BEGIN"); !st) return st.error();
  struct EndRead {
    Db& db;
    ~EndRead() { (void)db.exec("COMMIT"); }
  } end_read{*db};

  DnsConfig out;
  auto version = db->config_version();
  if (!version) return version.error();
  out.version = *version;
  auto zones = db->zone_heads(out.version);
  if (!zones) return zones.error();
  out.zones = std::move(*zones);
  for (const auto& zone : out.zones) {
    if (!visit || (wanted && !wanted(zone))) continue;
    auto read = db->for_each_record(zone.name, out.version,
                                    [&](const RecordView& record) { visit(zone, record); });
    if (!read) return read.error();
  }
  auto settings = db->settings(out.version);
  if (!settings) return settings.error();
  if (auto it = settings->find("dns.listen"); it != settings->end())
    out.listen = split_list(it->second);
  if (auto it = settings->find("dns.nsid"); it != settings->end()) out.nsid = it->second;
  out.metrics_listen = "127.0.0.1:9531";
  if (auto it = settings->find("dns.metrics"); it != settings->end())
    out.metrics_listen = it->second;
  auto steer = db->steer_config(out.version);
  if (!steer) return steer.error();
  out.steer = std::move(*steer);
  if (auto it = settings->find(kGeoipPathSetting); it != settings->end()) {
    out.steer.geoip_path = it->second;
  }
  return out;
}

}  // namespace cdn::store
