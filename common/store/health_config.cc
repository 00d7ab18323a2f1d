// common/store/health_config.cc: health objects <-> structs, settings, and the rules.
#include "common/store/health_config.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "common/route.h"
#include "common/store/steer_config.h"

namespace cdn::store {
namespace {

using Json = nlohmann::json;

template <class T>
const T* find_named(const std::vector<T>& items, const std::string& name, std::string T::*key) {
  for (const auto& item : items) {
    if (item.*key == name) return &item;
  }
  return nullptr;
}

std::optional<int64_t> parse_int(const std::string& text, int64_t min, int64_t max) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

std::string check_router_id(const std::string& v) {
  if (!check_ipv4(v).empty()) return "not an IPv4 address (a router id is a dotted quad)";
  if (v == "0.0.0.0") return "must not be 0.0.0.0";
  return "";
}

std::string check_address(const std::string& v) {
  if (check_ipv4(v).empty() || check_ipv6(v).empty()) return "";
  return "not an IP address";
}

std::string check_range(const std::string& v, int64_t min, int64_t max) {
  if (parse_int(v, min, max)) return "";
  return "not a whole number from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string check_edge_list(const std::string& v) {
  for (const auto& name : split_list(v)) {
    if (auto why = check_object_name(name); !why.empty()) return name + ": " + why;
  }
  return "";
}

std::string check_path(const std::string& v) {
  if (v.empty() || v[0] != '/') return "must start with /";
  for (char c : v) {
    if (c <= ' ' || c == 0x7f) return "must not contain spaces or control characters";
  }
  return "";
}

struct SettingRule {
  HealthSetting setting;
  std::string (*check)(const std::string&);
};

const std::vector<SettingRule>& rules() {
  static const std::vector<SettingRule> kRules = {
      {{"bgp.local_as", "", "this appliance's AS number (ExaBGP local-as and the drain prepend)"},
       [](const std::string& v) { return check_range(v, 1, 4294967295); }},
      {{"bgp.router_id", "", "BGP router id (IPv4 dotted quad)"}, check_router_id},
      {{"bgp.local_address", "", "address ExaBGP connects from"}, check_address},
      {{"bgp.hold_time", "9", "BGP hold time, seconds (3-65535)"},
       [](const std::string& v) { return check_range(v, 3, 65535); }},
      {{"bgp.reannounce_delay", "10",
        "seconds a recovered prefix waits, on top of rise, before it is announced again"},
       [](const std::string& v) { return check_range(v, 0, 3600); }},
      {{"bgp.grace", "10",
        "seconds cdn-exabgp-bridge keeps routes while cdn-healthd is unreachable, then withdraws"},
       [](const std::string& v) { return check_range(v, 1, 3600); }},
      {{"bgp.drain_prepend", "3", "extra copies of the local AS while draining gracefully"},
       [](const std::string& v) { return check_range(v, 1, 16); }},
      {{"healthd.local_edges", "",
        "this box's edges (comma separated): drained in DNS steering by `cdnctl drain all`"},
       check_edge_list},
      {{"healthd.edge_port", "80", "port of every edge's status URL"},
       [](const std::string& v) { return check_range(v, 1, 65535); }},
      {{"healthd.edge_path", "/status",
        "path of every edge's status URL: 2xx = up, JSON \"load\" = its load"},
       check_path},
      {{"healthd.edge_interval", "2", "seconds between probes of each edge"},
       [](const std::string& v) { return check_range(v, 1, 3600); }},
  };
  return kRules;
}

Json string_list(const std::vector<std::string>& items) { return Json(items); }

// Reads a list of strings; false when present and not one.
bool read_strings(const Json& body, const char* key, std::vector<std::string>& out) {
  auto it = body.find(key);
  if (it == body.end()) return true;
  if (!it->is_array()) return false;
  for (const auto& item : *it) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

std::string unknown_key(const Json& body, std::initializer_list<const char*> known) {
  for (const auto& item : body.items()) {
    const std::string& key = item.key();
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      return key;
    }
  }
  return "";
}

}  // namespace

const health::CheckSpec* HealthConfig::check(const std::string& name) const {
  return find_named(checks, name, &health::CheckSpec::name);
}
const Service* HealthConfig::service(const std::string& name) const {
  return find_named(services, name, &Service::name);
}
const AnycastPrefix* HealthConfig::prefix(const std::string& text) const {
  return find_named(prefixes, text, &AnycastPrefix::prefix);
}
const Drain* HealthConfig::drain_for(const std::string& prefix) const {
  if (const auto* own = find_named(drains, prefix, &Drain::target)) return own;
  return find_named(drains, std::string(kDrainAll), &Drain::target);
}

const std::vector<HealthSetting>& health_settings() {
  static const std::vector<HealthSetting> kSettings = [] {
    std::vector<HealthSetting> out;
    for (const auto& r : rules()) out.push_back(r.setting);
    return out;
  }();
  return kSettings;
}

std::string check_health_setting(const std::string& key, const std::string& value) {
  for (const auto& r : rules()) {
    if (key == r.setting.key) return r.check(value);
  }
  return "unknown setting";
}

HealthObject to_object(const health::CheckSpec& check) {
  return {"check", check.name, health::to_json(check).dump()};
}

HealthObject to_object(const Service& service) {
  return {"service", service.name,
          Json{{"checks", string_list(service.checks)}, {"shared", service.shared}}.dump()};
}

HealthObject to_object(const AnycastPrefix& prefix) {
  Json body{{"next_hop", prefix.next_hop},
            {"services", string_list(prefix.services)},
            {"communities", string_list(prefix.communities)},
            {"large_communities", string_list(prefix.large_communities)}};
  if (prefix.med) body["med"] = *prefix.med;
  return {"prefix", prefix.prefix, body.dump()};
}

HealthObject to_object(const BgpNeighbor& neighbor) {
  return {"neighbor", neighbor.address,
          Json{{"peer_as", neighbor.peer_as},
               {"md5_password", neighbor.md5_password},
               {"local_address", neighbor.local_address}}
              .dump()};
}

HealthObject to_object(const Drain& drain) {
  return {"drain", drain.target,
          Json{{"graceful_seconds", drain.graceful_seconds}, {"started", drain.started}}.dump()};
}

HealthConfigResult build_health_config(const std::vector<HealthObject>& objects,
                                       const std::map<std::string, std::string>& settings,
                                       int64_t version) {
  HealthConfigResult out;
  auto& cfg = out.config;
  auto& errors = out.errors;
  cfg.version = version;

  // Settings first: the prefixes' rules below do not need them, the drains' do not either.
  auto setting = [&](const char* key) -> std::optional<std::string> {
    auto it = settings.find(key);
    if (it == settings.end()) return std::nullopt;
    if (auto why = check_health_setting(key, it->second); !why.empty()) {
      errors.emplace_back(std::string("setting ") + key, why + ": '" + it->second + "'");
      return std::nullopt;
    }
    return it->second;
  };
  auto number = [&](const char* key, int64_t fallback) {
    auto v = setting(key);
    return v ? *parse_int(*v, INT64_MIN, INT64_MAX) : fallback;
  };
  cfg.bgp.local_as = static_cast<uint32_t>(number("bgp.local_as", 0));
  cfg.bgp.router_id = setting("bgp.router_id").value_or("");
  cfg.bgp.local_address = setting("bgp.local_address").value_or("");
  cfg.bgp.hold_time = static_cast<uint32_t>(number("bgp.hold_time", 9));
  cfg.bgp.reannounce_delay_ms = number("bgp.reannounce_delay", 10) * 1000;
  cfg.bgp.grace_ms = number("bgp.grace", 10) * 1000;
  cfg.bgp.drain_prepend = static_cast<uint32_t>(number("bgp.drain_prepend", 3));
  if (auto v = setting("healthd.local_edges")) cfg.monitor.local_edges = split_list(*v);
  cfg.monitor.port = static_cast<int>(number("healthd.edge_port", 80));
  cfg.monitor.path = setting("healthd.edge_path").value_or("/status");
  cfg.monitor.interval_ms = number("healthd.edge_interval", 2) * 1000;
  cfg.monitor.timeout_ms = std::min<int64_t>(1000, cfg.monitor.interval_ms / 2);

  for (const auto& object : objects) {
    std::string where = object.kind + " " + object.name;
    auto body = Json::parse(object.body, nullptr, false);
    if (!body.is_object()) {
      errors.emplace_back(where, "stored body is not a JSON object");
      continue;
    }
    auto bad = [&](const std::string& field, const std::string& what) {
      errors.emplace_back(where + ": " + field, what);
    };
    try {
      if (object.kind == "check") {
        auto check = health::check_from_json(object.name, body);
        if (!check) {
          errors.push_back(check.error());
          continue;
        }
        cfg.checks.push_back(std::move(*check));
      } else if (object.kind == "service") {
        Service s;
        s.name = object.name;
        if (auto k = unknown_key(body, {"checks", "shared"}); !k.empty()) {
          bad(k, "unknown field");
          continue;
        }
        if (!read_strings(body, "checks", s.checks)) {
          bad("checks", "must be a list of check names");
          continue;
        }
        s.shared = body.value("shared", false);
        cfg.services.push_back(std::move(s));
      } else if (object.kind == "prefix") {
        AnycastPrefix p;
        p.prefix = object.name;
        if (auto k = unknown_key(
                body, {"next_hop", "services", "communities", "large_communities", "med"});
            !k.empty()) {
          bad(k, "unknown field");
          continue;
        }
        p.next_hop = body.value("next_hop", std::string());
        if (!read_strings(body, "services", p.services) ||
            !read_strings(body, "communities", p.communities) ||
            !read_strings(body, "large_communities", p.large_communities)) {
          bad("services", "services and communities must be lists of strings");
          continue;
        }
        if (auto med = body.find("med"); med != body.end()) {
          if (!med->is_number_unsigned() || med->get<uint64_t>() > UINT32_MAX) {
            bad("med", "must be 0 to 4294967295");
            continue;
          }
          p.med = med->get<uint32_t>();
        }
        cfg.prefixes.push_back(std::move(p));
      } else if (object.kind == "neighbor") {
        BgpNeighbor n;
        n.address = object.name;
        if (auto k = unknown_key(body, {"peer_as", "md5_password", "local_address"}); !k.empty()) {
          bad(k, "unknown field");
          continue;
        }
        auto as = body.value("peer_as", uint64_t{0});
        if (as == 0 || as > UINT32_MAX) {
          bad("peer_as", "must be 1 to 4294967295");
          continue;
        }
        n.peer_as = static_cast<uint32_t>(as);
        n.md5_password = body.value("md5_password", std::string());
        n.local_address = body.value("local_address", std::string());
        cfg.neighbors.push_back(std::move(n));
      } else if (object.kind == "drain") {
        Drain d;
        d.target = object.name;
        d.graceful_seconds = body.value("graceful_seconds", int64_t{0});
        d.started = body.value("started", int64_t{0});
        if (d.graceful_seconds < 0) bad("graceful_seconds", "must not be negative");
        cfg.drains.push_back(std::move(d));
      } else {
        errors.emplace_back(where, "unknown kind of object");
      }
    } catch (const Json::exception& e) {
      bad("(body)", std::string("wrong type: ") + e.what());
    }
  }

  // Cross-references and per-object rules.
  std::set<std::string> names;
  for (const auto& c : cfg.checks) names.insert(c.name);
  for (const auto& s : cfg.services) {
    std::string where = "service " + s.name;
    if (auto why = check_object_name(s.name); !why.empty()) errors.emplace_back(where, why);
    if (s.checks.empty()) errors.emplace_back(where + ": checks", "needs at least one check");
    for (const auto& c : s.checks) {
      if (!cfg.check(c)) errors.emplace_back(where + ": checks", "no check named " + c);
    }
  }
  for (const auto& p : cfg.prefixes) {
    std::string where = "prefix " + p.prefix;
    auto canonical = canonical_prefix(p.prefix);
    if (!canonical) {
      errors.emplace_back(where, canonical.error().what);
      continue;
    }
    if (*canonical != p.prefix) errors.emplace_back(where, "not canonical: " + *canonical);
    bool v6 = p.prefix.find(':') != std::string::npos;
    std::string why = v6 ? check_ipv6(p.next_hop) : check_ipv4(p.next_hop);
    if (!why.empty()) {
      errors.emplace_back(where + ": next_hop",
                          (p.next_hop.empty() ? "missing:" : "'" + p.next_hop + "':") +
                              std::string(" needs an ") + (v6 ? "IPv6" : "IPv4") +
                              " address (the prefix's family)");
    }
    if (p.services.empty()) errors.emplace_back(where + ": services", "needs at least one service");
    bool local = false;
    for (const auto& s : p.services) {
      const auto* service = cfg.service(s);
      if (!service) {
        errors.emplace_back(where + ": services", "no service named " + s);
        continue;
      }
      local |= !service->shared;
    }
    if (!p.services.empty() && !local) {
      errors.emplace_back(where + ": services",
                          "only shared services: a shared dependency never withdraws, so at least "
                          "one local service must decide");
    }
    for (const auto& c : p.communities) {
      if (auto ok = routing::parse_community(c); !ok) {
        errors.emplace_back(where + ": communities", ok.error().what);
      }
    }
    for (const auto& c : p.large_communities) {
      if (auto ok = routing::parse_large_community(c); !ok) {
        errors.emplace_back(where + ": large_communities", ok.error().what);
      }
    }
  }
  for (const auto& n : cfg.neighbors) {
    std::string where = "neighbor " + n.address;
    if (!check_address(n.address).empty()) errors.emplace_back(where, "not an IP address");
    if (!n.local_address.empty() && !check_address(n.local_address).empty()) {
      errors.emplace_back(where + ": local_address", "not an IP address");
    }
  }
  for (const auto& d : cfg.drains) {
    if (d.target != kDrainAll && !cfg.prefix(d.target)) {
      errors.emplace_back("drain " + d.target, "no anycast prefix " + d.target);
    }
  }
  if (!cfg.prefixes.empty() || !cfg.neighbors.empty()) {
    if (cfg.bgp.local_as == 0 && !cfg.neighbors.empty()) {
      errors.emplace_back("setting bgp.local_as", "needed once a neighbor is configured");
    }
  }
  return out;
}

Result<HealthConfigResult> load_health_config(Db& db, SteerConfig* steer) {
  if (auto begun = db.exec("BEGIN"); !begun) return begun.error();  // one consistent read
  auto version = db.config_version();
  auto objects =
      version ? db.health_objects(*version) : Result<std::vector<HealthObject>>(version.error());
  auto settings =
      objects ? db.settings(*version) : Result<std::map<std::string, std::string>>(objects.error());
  Result<SteerConfig> steering = steer && settings ? db.steer_config(*version)
                                 : settings        ? Result<SteerConfig>(SteerConfig{})
                                                   : Result<SteerConfig>(settings.error());
  (void)db.exec("COMMIT");
  if (!steering) return steering.error();
  if (steer) {
    *steer = std::move(*steering);
    if (auto it = settings->find(kGeoipPathSetting); it != settings->end()) {
      steer->geoip_path = it->second;
    }
  }
  return build_health_config(*objects, *settings, *version);
}

Result<HealthConfig> read_health_config(const std::string& db_path, SteerConfig* steer) {
  Db::Options options;
  options.read_only = true;
  options.create = false;
  auto db = Db::open(db_path, options);
  if (!db) return db.error();
  auto built = load_health_config(*db, steer);
  if (!built) return built.error();
  if (!built->errors.empty()) {
    Error first = built->errors.front();
    if (built->errors.size() > 1) {
      first.what += " (and " + std::to_string(built->errors.size() - 1) + " more problems)";
    }
    return first;
  }
  return std::move(built->config);
}

}  // namespace cdn::store
