#include "common/store/steer_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "common/availability.h"
#include "common/net/prefix.h"
#include "common/store/db.h"

namespace cdn::store {
namespace {

template <class T>
const T* find_by_name(const std::vector<T>& items, const std::string& name) {
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

bool in_range(double v, double lo, double hi) { return v >= lo && v <= hi; }  // false for NaN

}  // namespace

const Edge* SteerConfig::edge(const std::string& name) const { return find_by_name(edges, name); }
const Pool* SteerConfig::pool(const std::string& name) const { return find_by_name(pools, name); }
const SteeredName* SteerConfig::steered(const std::string& name) const {
  return find_by_name(names, name);
}

const EdgeOverride* SteerConfig::override_for(const std::string& name) const {
  for (const auto& o : overrides) {
    if (o.edge == name) return &o;
  }
  return nullptr;
}

std::vector<std::string> SteerConfig::pools_using_edge(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& p : pools) {
    if (std::find(p.edges.begin(), p.edges.end(), name) != p.edges.end()) out.push_back(p.name);
  }
  return out;
}

std::vector<std::string> SteerConfig::pools_falling_back_to(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& p : pools) {
    if (p.fallback == name) out.push_back(p.name);
  }
  return out;
}

std::vector<std::string> SteerConfig::names_steered_to(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (n.pool == name) out.push_back(n.name);
  }
  return out;
}

std::string check_object_name(const std::string& name) {
  if (name.empty()) return "empty name";
  if (name.size() > 63) return "longer than 63 characters";
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return "only a-z, 0-9 and - are allowed";
    }
  }
  return "";
}

std::string check_ipv4(const std::string& text) {
  auto a = net::parse_address(text);
  if (a && a->family == net::Family::V4) return "";
  if (a) return "an IPv6 address where IPv4 is expected";
  return "not a literal IPv4 address";
}

std::string check_ipv6(const std::string& text) {
  auto a = net::parse_address(text);
  if (a && a->family == net::Family::V6) return "";
  if (a) return "an IPv4 address where IPv6 is expected";
  return "not a literal IPv6 address";
}

Result<std::string> canonical_prefix(const std::string& text) {
  auto prefix = net::parse_prefix(text);
  if (!prefix) return prefix.error();
  return prefix->text();
}

std::vector<Error> validate_steer_config(const SteerConfig& config) {
  std::vector<Error> errors;
  auto bad = [&errors](const std::string& where, const std::string& what) {
    errors.emplace_back(where, what);
  };
  for (const auto& e : config.edges) {
    std::string where = "edge " + e.name;
    if (auto why = check_object_name(e.name); !why.empty()) bad(where, "bad name: " + why);
    for (char c : e.site) {
      if (c == ' ' || c == '\t' || c == ',' || c == '\n') {
        bad(where, "site \"" + e.site + "\" contains a space or comma");
        break;
      }
    }
    if (!in_range(e.latitude, -90, 90)) {
      bad(where, "latitude " + format_number(e.latitude) + " is outside -90..90");
    }
    if (!in_range(e.longitude, -180, 180)) {
      bad(where, "longitude " + format_number(e.longitude) + " is outside -180..180");
    }
    if (!e.ipv4 && !e.ipv6) bad(where, "no address (give --ipv4 and/or --ipv6)");
    if (e.ipv4 && e.ipv4->family != net::Family::V4)
      bad(where, "ipv4 " + e.ipv4->text() + ": an IPv6 address where IPv4 is expected");
    if (e.ipv6 && e.ipv6->family != net::Family::V6)
      bad(where, "ipv6 " + e.ipv6->text() + ": an IPv4 address where IPv6 is expected");
    if (e.capacity <= 0) bad(where, "capacity " + std::to_string(e.capacity) + " is not > 0");
    if (e.weight <= 0) bad(where, "weight " + std::to_string(e.weight) + " is not > 0");
  }
  for (const auto& p : config.pools) {
    std::string where = "pool " + p.name;
    if (auto why = check_object_name(p.name); !why.empty()) bad(where, "bad name: " + why);
    if (p.edges.empty()) bad(where, "no edges");
    std::set<std::string> seen;
    for (const auto& e : p.edges) {
      if (!config.edge(e)) bad(where, "unknown edge " + e);
      if (!seen.insert(e).second) bad(where, "edge " + e + " listed twice");
    }
    if (p.answers < 1) bad(where, "answers " + std::to_string(p.answers) + " is not >= 1");
    if (p.ttl < 0 || p.ttl > 86400) {
      bad(where, "ttl " + std::to_string(p.ttl) + " is outside 0..86400");
    }
    if (!(in_range(p.low, 0, 1) && in_range(p.high, 0, 1) && p.low < p.high)) {
      bad(where, "water marks low " + format_number(p.low) + " and high " + format_number(p.high) +
                     " must satisfy 0 <= low < high <= 1");
    }
    if (!p.fallback.empty()) {
      if (p.fallback == p.name) {
        bad(where, "fallback pool is the pool itself");
      } else if (!config.pool(p.fallback)) {
        bad(where, "unknown fallback pool " + p.fallback);
      } else {
        // Follow the chain; coming back to p is a cycle (one reported per pool on it).
        std::string chain = p.name;
        std::set<std::string> visited{p.name};
        for (const Pool* next = config.pool(p.fallback); next; next = config.pool(next->fallback)) {
          chain += " -> " + next->name;
          if (next->name == p.name) {
            bad(where, "fallback cycle " + chain);
            break;
          }
          if (!visited.insert(next->name).second || next->fallback.empty()) break;
        }
      }
    }
  }
  for (const auto& n : config.names) {
    if (!config.pool(n.pool)) bad("steered name " + n.name, "unknown pool " + n.pool);
  }
  for (const auto& o : config.overrides) {
    std::string where = "override of edge " + o.edge;
    if (!config.edge(o.edge)) bad(where, "unknown edge " + o.edge);
    if (!parse_availability(o.state)) {
      bad(where, "state " + o.state + " is not up, down or drain");
    }
    if (o.load && !(*o.load >= 0 && std::isfinite(*o.load))) {
      bad(where, "load " + format_number(*o.load) + " is not a number >= 0");
    }
  }
  std::set<std::pair<std::string, std::string>> seen_latency;
  for (const auto& l : config.latency) {
    std::string where = "latency " + l.prefix + " " + l.edge;
    if (!config.edge(l.edge)) bad(where, "unknown edge " + l.edge);
    if (!(l.rtt_ms >= 0 && std::isfinite(l.rtt_ms))) {
      bad(where, "rtt_ms " + format_number(l.rtt_ms) + " is not a number >= 0");
    }
    if (!seen_latency.insert({l.prefix, l.edge}).second) bad(where, "listed twice");
  }
  return errors;
}

std::string format_number(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "?";
  return std::string(buf, end);
}

std::string edge_text(const Edge& e) {
  std::string out = "site=" + (e.site.empty() ? std::string("-") : e.site) +
                    " lat=" + format_number(e.latitude) + " lon=" + format_number(e.longitude);
  if (e.ipv4) out += " ipv4=" + e.ipv4->text();
  if (e.ipv6) out += " ipv6=" + e.ipv6->text();
  out += " capacity=" + std::to_string(e.capacity) + " weight=" + std::to_string(e.weight);
  return out;
}

std::string pool_text(const Pool& p) {
  std::string edges;
  for (const auto& e : p.edges) edges += (edges.empty() ? "" : ",") + e;
  return "edges=" + edges + " answers=" + std::to_string(p.answers) +
         " ttl=" + std::to_string(p.ttl) + " all-down=" + p.all_down() +
         " low=" + format_number(p.low) + " high=" + format_number(p.high);
}

std::string override_text(const EdgeOverride& o) {
  return "state=" + o.state + (o.load ? " load=" + format_number(*o.load) : "");
}

bool same_tables(const SteerConfig& a, const SteerConfig& b) {
  return a.edges == b.edges && a.pools == b.pools && a.names == b.names && a.latency == b.latency &&
         a.geoip_path == b.geoip_path;
}

Result<SteerConfig> read_steer_config(const std::string& db_path) {
  Db::Options options;
  options.read_only = true;
  auto db = Db::open(db_path, options);
  if (!db) return db.error();
  // One read transaction: every read below sees the same version.
  if (auto st = db->exec("BEGIN"); !st) return st.error();
  auto version = db->config_version();
  if (!version) {
    (void)db->exec("COMMIT");
    return version.error();
  }
  auto config = db->steer_config(*version);
  auto settings = db->settings(*version);
  (void)db->exec("COMMIT");
  if (!config) return config.error();
  if (!settings) return settings.error();
  if (auto it = settings->find(kGeoipPathSetting); it != settings->end()) {
    config->geoip_path = it->second;
  }
  return config;
}

}  // namespace cdn::store
