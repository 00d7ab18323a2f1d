// cli/settings.cc: cdnctl set|get|unset. Settings are versioned like zones; only known keys
// with valid values are accepted, so a daemon never has to refuse one at reload.

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "common/net/endpoint.h"
#include "common/store/health_config.h"

namespace cdn::cli {
namespace {

// "" when `text` is a literal address with a port: 192.0.2.1:53 or [2001:db8::1]:53.
std::string check_endpoint(const std::string& text) {
  auto endpoint = net::parse_endpoint(text);
  if (!endpoint) return endpoint.error().what;
  if (endpoint->port() == 0) return "port 0: give the port to listen on";
  return "";
}

std::string check_endpoint_list(const std::string& text) {
  if (text.empty()) return "empty list";
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    if (std::string why = check_endpoint(item); !why.empty()) return item + ": " + why;
    if (comma == std::string::npos) return "";
    start = comma + 1;
  }
}

std::string check_nsid(const std::string& text) {
  if (text.size() > 128) return "longer than 128 bytes";
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) return "only printable ASCII";
  }
  return "";
}

struct Setting {
  std::string key;
  std::string default_value;
  std::string help;
  std::function<std::string(const std::string&)> check;  // "" = valid, else why not
};

// cdn-dnsd's and steering's settings here; cdn-healthd's and BGP's from the store, which also
// checks them when healthd loads them (common/store/health_config.h).
const std::vector<Setting>& settings_table() {
  static const std::vector<Setting> kTable = [] {
    std::vector<Setting> out = {
        {"dns.listen", "",
         "addresses cdn-dnsd serves on, comma separated host:port; empty = its --listen",
         check_endpoint_list},
        {"dns.nsid", "", "NSID (RFC 5001) cdn-dnsd sends; empty = off", check_nsid},
        {"dns.metrics", "127.0.0.1:9531", "host:port of cdn-dnsd's /metrics listener",
         check_endpoint},
        {"geoip.path", "", "MaxMind DB (GeoIP2/GeoLite2 City) for steering; see cdnctl geoip set",
         check_readable_file},
    };
    for (const auto& h : store::health_settings()) {
      std::string key = h.key;
      out.push_back({key, h.default_value, h.help, [key](const std::string& value) {
                       return store::check_health_setting(key, value);
                     }});
    }
    return out;
  }();
  return kTable;
}

const Setting* find_setting(const std::string& key) {
  for (const auto& s : settings_table()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

std::string known_keys() {
  std::string out;
  for (const auto& s : settings_table()) out += std::string(out.empty() ? "" : ", ") + s.key;
  return out;
}

int set(const Context& ctx, const std::string& key, const std::string& value, bool unset) {
  const Setting* setting = find_setting(key);
  if (!setting)
    return fail(kExitRefused, "unknown setting " + key + " (known: " + known_keys() + ")");
  if (!unset) {
    if (std::string why = setting->check(value); !why.empty()) {
      return fail(kExitRefused, "refused: " + key + " " + value + ": " + why);
    }
  }
  auto change = open_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  auto st = unset ? txn->unset_setting(key) : txn->set_setting(key, value);
  if (!st) return fail(kExitRefused, st.error().text());
  std::string summary = unset ? "unset " + key + " (default " + setting->default_value + ")"
                              : "set " + key + " = " + value;
  return commit_change(ctx, *txn, summary);
}

int get(const Context& ctx, const std::string& key, bool json) {
  if (!key.empty() && !find_setting(key)) {
    return fail(kExitRefused, "unknown setting " + key + " (known: " + known_keys() + ")");
  }
  auto view = open_current(ctx);
  if (!view) return fail(kExitRefused, view.error().text());
  auto values = view->db.settings(view->version);
  if (!values) return fail(kExitRefused, values.error().text());

  Json out = Json::array();
  Table table({"KEY", "VALUE", "SOURCE"});
  for (const auto& s : settings_table()) {
    if (!key.empty() && key != s.key) continue;
    auto it = values->find(s.key);
    bool set_here = it != values->end();
    std::string value = set_here ? it->second : s.default_value;
    out.push_back({{"key", s.key}, {"value", value}, {"default", !set_here}, {"help", s.help}});
    table.add({s.key, value.empty() ? "\"\"" : value, set_here ? "set" : "default"});
  }
  if (json) {
    print_json(Json{{"version", view->version}, {"settings", out}});
  } else if (!key.empty()) {
    std::cout << out[0]["value"].get<std::string>() << '\n';
  } else {
    table.print();
  }
  return kExitOk;
}

}  // namespace

void add_settings_commands(CLI::App& app, Context& ctx) {
  std::string keys_help = "Settings:\n";
  for (const auto& s : settings_table()) {
    keys_help +=
        std::string("  ") + s.key + ": " + s.help + " (default \"" + s.default_value + "\")\n";
  }
  {
    struct Args {
      std::string key, value;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("set", "Set a setting (a new config version)");
    cmd->add_option("KEY", args->key, "Setting name")->required();
    cmd->add_option("VALUE", args->value, "New value")->required();
    cmd->footer(keys_help +
                "Examples:\n  cdnctl set dns.listen 192.0.2.53:53,[2001:db8::53]:53\n"
                "  cdnctl set dns.nsid pop1.example.net\n  cdnctl set bgp.local_as 64510");
    cmd->callback([&ctx, args] {
      ctx.run = [&ctx, args] { return set(ctx, args->key, args->value, false); };
    });
  }
  {
    auto key = std::make_shared<std::string>();
    auto* cmd =
        app.add_subcommand("unset", "Return a setting to its default (a new config version)");
    cmd->add_option("KEY", *key, "Setting name")->required();
    cmd->footer("Example: cdnctl unset dns.nsid");
    cmd->callback([&ctx, key] { ctx.run = [&ctx, key] { return set(ctx, *key, "", true); }; });
  }
  {
    auto key = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("get", "Show one setting's value, or all settings");
    cmd->add_option("KEY", *key, "Setting name (default: all)");
    cmd->add_flag("--json", *json, "Print JSON");
    cmd->footer(keys_help + "Example: cdnctl get dns.listen");
    cmd->callback(
        [&ctx, key, json] { ctx.run = [&ctx, key, json] { return get(ctx, *key, *json); }; });
  }
}

}  // namespace cdn::cli
