// cli/geoip.cc: cdnctl geoip set|show. The MaxMind DB (GeoIP2/GeoLite2 City) cdn-dnsd locates
// clients with is a setting, geoip.path; only its existence and readability are checked here,
// the format is checked by the lookup code that opens it.
#include "dns/steer/geoip.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace cdn::cli {

std::string check_readable_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return "no such file";
  if (!std::filesystem::is_regular_file(status)) return "not a regular file";
  std::ifstream in(path, std::ios::binary);
  char byte;
  if (!in || (!in.get(byte) && !in.eof())) return "not readable";
  if (std::filesystem::file_size(path, ec) == 0) return "empty file";
  return "";
}

namespace {

int geoip_set(const Context& ctx, const std::string& path) {
  if (std::string why = check_readable_file(path); !why.empty()) {
    return fail(kExitRefused, "refused: " + path + ": " + why);
  }
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) absolute = path;
  auto change = open_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  if (auto st = txn->set_setting(store::kGeoipPathSetting, absolute); !st) {
    return fail(kExitRefused, st.error().text());
  }
  return commit_change(ctx, *txn,
                       std::string("set ") + store::kGeoipPathSetting + " = " + absolute);
}

int geoip_show(const Context& ctx, bool json) {
  auto view = open_current(ctx);
  if (!view) return fail(kExitRefused, view.error().text());
  auto settings = view->db.settings(view->version);
  if (!settings) return fail(kExitRefused, settings.error().text());
  auto it = settings->find(store::kGeoipPathSetting);
  std::string path = it == settings->end() ? "" : it->second;
  std::string problem = path.empty() ? "" : check_readable_file(path);
  if (json) {
    print_json(Json{{"version", view->version},
                    {"path", path.empty() ? Json(nullptr) : Json(path)},
                    {"readable", !path.empty() && problem.empty()}});
    return kExitOk;
  }
  if (path.empty()) {
    std::cout << "geoip.path is not set (cdnctl geoip set PATH)\n";
  } else {
    std::cout << path << (problem.empty() ? "" : " (" + problem + ")") << '\n';
  }
  return kExitOk;
}

int geoip_lookup(const Context& ctx, const std::string& address, bool json) {
  auto view = open_current(ctx);
  if (!view) return fail(kExitRefused, view.error().text());
  auto settings = view->db.settings(view->version);
  if (!settings) return fail(kExitRefused, settings.error().text());
  auto it = settings->find(store::kGeoipPathSetting);
  if (it == settings->end() || it->second.empty())
    return fail(kExitRefused, "refused: geoip.path is not set (cdnctl geoip set PATH)");
  auto geo = dns::GeoDb::open(it->second);
  if (!geo) return fail(kExitRefused, geo.error().text());
  auto found = geo->lookup(address);
  if (!found) return fail(kExitRefused, "refused: " + found.error().text());
  const auto& l = found->location;
  if (json) {
    Json out = {{"address", address}, {"found", found->found}, {"db", it->second}};
    if (found->found) {
      out["network"] = found->network.text();
      out["country"] = l.country;
      out["continent"] = l.continent;
      out["latitude"] = l.has_coordinates ? Json(l.latitude) : Json(nullptr);
      out["longitude"] = l.has_coordinates ? Json(l.longitude) : Json(nullptr);
    }
    print_json(out);
    return kExitOk;
  }
  if (!found->found) {
    std::cout << address << ": not in " << it->second
              << " (clients here get a pool's configured order)\n";
    return kExitOk;
  }
  std::cout << address << ": network " << found->network.text() << ", country "
            << (l.country.empty() ? "-" : l.country) << ", continent "
            << (l.continent.empty() ? "-" : l.continent);
  if (l.has_coordinates) std::cout << ", location " << l.latitude << "," << l.longitude;
  std::cout << '\n';
  return kExitOk;
}

}  // namespace

void add_geoip_commands(CLI::App& app, Context& ctx) {
  auto* geoip = add_group(app, "geoip", "Set or show the MaxMind DB used to locate clients",
                          {"cdnctl geoip set /var/lib/cdn/geoip/GeoLite2-City.mmdb",
                           "cdnctl geoip show --json", "cdnctl geoip lookup 203.0.113.7"});
  {
    auto path = std::make_shared<std::string>();
    auto* cmd = geoip->add_subcommand(
        "set", "Store the path of the MaxMind DB (setting geoip.path); the file must be readable");
    cmd->add_option("PATH", *path, "GeoIP2/GeoLite2 City .mmdb file")->required();
    cmd->footer("Example: cdnctl geoip set /var/lib/cdn/geoip/GeoLite2-City.mmdb");
    cmd->callback([&ctx, path] { ctx.run = [&ctx, path] { return geoip_set(ctx, *path); }; });
  }
  {
    auto json = std::make_shared<bool>(false);
    auto* cmd = geoip->add_subcommand("show", "Show the stored path and whether it is readable");
    cmd->add_flag("--json", *json, "Print JSON");
    cmd->footer("Example: cdnctl geoip show");
    cmd->callback([&ctx, json] { ctx.run = [&ctx, json] { return geoip_show(ctx, *json); }; });
  }
  {
    auto address = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = geoip->add_subcommand("lookup", "What the MaxMind DB says about an address");
    cmd->add_option("IP", *address, "IPv4 or IPv6 address")->required();
    cmd->add_flag("--json", *json, "Print JSON");
    cmd->footer("Example: cdnctl geoip lookup 203.0.113.7 --json");
    cmd->callback([&ctx, address, json] {
      ctx.run = [&ctx, address, json] { return geoip_lookup(ctx, *address, *json); };
    });
  }
}

}  // namespace cdn::cli
