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

Result<DnsConfig> read_dns_config(const std::string& db_path) {
  Db::Options options;
  options.read_only = true;
  auto db = Db::open(db_path, options);
  if (!db) return db.error();
  // One read transaction: every read below sees the same version.
  if (auto st = db->exec("BEGIN"); !st) return st.error();
  auto config = db->current_config();
  (void)db->exec("COMMIT");
  if (!config) return config.error();

  DnsConfig out;
  out.version = config->version;
  for (const auto& zone : config->zones) {
    ZoneText z{zone.name, {}};
    for (const auto& r : zone.records) {
      z.text += r.text();
      z.text += '\n';
    }
    out.zones.push_back(std::move(z));
  }
  const auto& settings = config->settings;
  if (auto it = settings.find("dns.listen"); it != settings.end())
    out.listen = split_list(it->second);
  if (auto it = settings.find("dns.nsid"); it != settings.end()) out.nsid = it->second;
  out.metrics_listen = "127.0.0.1:9531";
  if (auto it = settings.find("dns.metrics"); it != settings.end()) out.metrics_listen = it->second;
  return out;
}

}  // namespace cdn::store
