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

Result<std::unique_ptr<DnsConfigRead>> DnsConfigRead::open(const std::string& db_path) {
  Db::Options options;
  options.read_only = true;
  auto db = Db::open(db_path, options);
  if (!db) return db.error();
  // One read transaction, ended by the destructor: every read sees the same version.
  if (auto st = db->exec("BEGIN"); !st) return st.error();
  std::unique_ptr<DnsConfigRead> read(new DnsConfigRead(std::move(*db)));
  Db& d = read->db_;
  DnsConfig& out = read->config_;
  auto version = d.config_version();
  if (!version) return version.error();
  out.version = *version;
  auto zones = d.zone_heads(out.version);
  if (!zones) return zones.error();
  out.zones = std::move(*zones);
  auto settings = d.settings(out.version);
  if (!settings) return settings.error();
  if (auto it = settings->find("dns.listen"); it != settings->end())
    out.listen = split_list(it->second);
  if (auto it = settings->find("dns.nsid"); it != settings->end()) out.nsid = it->second;
  out.metrics_listen = "127.0.0.1:9531";
  if (auto it = settings->find("dns.metrics"); it != settings->end())
    out.metrics_listen = it->second;
  auto steer = d.steer_config(out.version);
  if (!steer) return steer.error();
  out.steer = std::move(*steer);
  if (auto it = settings->find(kGeoipPathSetting); it != settings->end()) {
    out.steer.geoip_path = it->second;
  }
  return read;
}

DnsConfigRead::~DnsConfigRead() { (void)db_.exec("COMMIT"); }

Status DnsConfigRead::records(const std::string& zone,
                              const std::function<void(const RecordView&)>& visit) {
  return db_.for_each_record(zone, config_.version, visit);
}

Result<std::optional<std::vector<std::string>>> DnsConfigRead::changed_owners(
    const std::string& zone, int64_t since, size_t limit) {
  return db_.changed_owners(zone, since, config_.version, limit);
}

Result<std::vector<RecordRow>> DnsConfigRead::owner_records(const std::string& zone,
                                                            const std::string& owner) {
  return db_.records_at(zone, owner, config_.version);
}

}  // namespace cdn::store
