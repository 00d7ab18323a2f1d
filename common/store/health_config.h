// common/store/health_config.h: cdn-healthd's configuration as plain structs: checks, services,
// anycast prefixes, BGP neighbors and settings, drains, edge monitoring; read from the config
// database at one version, and the rules every stored version obeys.
// Used by cdn-healthd (runs it), cdn-exabgp-bridge (the prefixes it may withdraw), and cdnctl
// (validates a change against the whole configuration it would leave behind, then stores it).
//
// DOC: storage. Each check, service, prefix, neighbor and drain is one row of health_objects
// (kind, name, JSON body), versioned like every other table; the scalar settings (local AS,
// router id, delays, the edge monitor) are rows of `settings` under bgp.* and healthd.*.
//   check    NAME            common/health/spec.h
//   service  NAME            {"checks":["web","disk"],"shared":false}
//   prefix   192.0.2.0/24    {"next_hop":"198.51.100.1","services":["dns"],"med":10,
//                             "communities":["64500:1"],"large_communities":["64500:1:2"]}
//   neighbor 198.51.100.254  {"peer_as":64500,"md5_password":"","local_address":""}
//   drain    192.0.2.0/24|all {"graceful_seconds":60,"started":1795000000}
//
// DOC: the rules. A service lists at least one existing check. A prefix lists at least one
// service, and at least one that is not `shared`: a shared service checks a dependency other
// PoPs share (an origin, a remote edge); when it fails, every PoP would withdraw at once, so its
// failure is reported and may drain the DNS steering, but never withdraws a prefix. The next hop
// is of the prefix's family (IPv6 prefixes need an IPv6 next hop, never "self"). A drain names a
// configured prefix or "all".
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/health/spec.h"
#include "common/result.h"
#include "common/store/db.h"

namespace cdn::store {

struct Service {
  std::string name;                 // [a-z0-9-]+
  std::vector<std::string> checks;  // all up = the service is up
  bool shared = false;              // a shared dependency: alerts, never withdraws
};

struct AnycastPrefix {
  std::string prefix;    // canonical, "192.0.2.0/24"
  std::string next_hop;  // literal address of the prefix's family
  std::vector<std::string> services;
  std::vector<std::string> communities;        // "64500:1"
  std::vector<std::string> large_communities;  // "64500:1:2"
  std::optional<uint32_t> med;
};

struct BgpNeighbor {
  std::string address;  // the router
  uint32_t peer_as = 0;
  std::string md5_password;   // "" = none
  std::string local_address;  // "" = bgp.local_address
};

struct Drain {
  std::string target;            // a configured prefix, or "all"
  int64_t graceful_seconds = 0;  // announce with prepend + GRACEFUL_SHUTDOWN this long first
  int64_t started = 0;           // unix seconds: when cdnctl drain ran
};

inline constexpr const char* kDrainAll = "all";

struct BgpSettings {
  uint32_t local_as = 0;  // 0 = BGP not configured
  std::string router_id;
  std::string local_address;
  uint32_t hold_time = 9;               // seconds
  int64_t reannounce_delay_ms = 10000;  // after a recovery, on top of rise
  int64_t grace_ms = 10000;             // the bridge's patience with an unreachable healthd
  uint32_t drain_prepend = 3;           // extra copies of local_as while draining gracefully
};

struct EdgeMonitorSettings {
  int port = 80;                 // each edge's address, this port
  std::string path = "/status";  // 2xx = up; a JSON body's "load" is the edge's load
  int64_t interval_ms = 2000;
  int64_t timeout_ms = 1000;
  int rise = 2;
  int fall = 2;
  std::vector<std::string> local_edges;  // this box's edges: drained with `cdnctl drain all`
};

struct HealthConfig {
  int64_t version = 0;
  std::vector<health::CheckSpec> checks;  // by name
  std::vector<Service> services;          // by name
  std::vector<AnycastPrefix> prefixes;    // by prefix text
  std::vector<BgpNeighbor> neighbors;     // by address
  std::vector<Drain> drains;              // by target
  BgpSettings bgp;
  EdgeMonitorSettings monitor;

  const health::CheckSpec* check(const std::string& name) const;
  const Service* service(const std::string& name) const;
  const AnycastPrefix* prefix(const std::string& text) const;
  const Drain* drain_for(const std::string& prefix) const;  // its own drain, else "all"
};

// The settings healthd reads, with their defaults and help, for cdnctl set/get.
struct HealthSetting {
  const char* key;
  const char* default_value;
  const char* help;
};
const std::vector<HealthSetting>& health_settings();
// "" when `value` is valid for the health setting `key`, else why not.
std::string check_health_setting(const std::string& key, const std::string& value);

// The JSON bodies of the objects (HealthObject.body).
HealthObject to_object(const health::CheckSpec& check);
HealthObject to_object(const Service& service);
HealthObject to_object(const AnycastPrefix& prefix);
HealthObject to_object(const BgpNeighbor& neighbor);
HealthObject to_object(const Drain& drain);

// Decodes every object and setting, then checks every rule. Errors name the object
// ("prefix 192.0.2.0/24: services"): all of them, so one `cdnctl` run shows every problem.
struct HealthConfigResult {
  HealthConfig config;
  std::vector<Error> errors;
};
HealthConfigResult build_health_config(const std::vector<HealthObject>& objects,
                                       const std::map<std::string, std::string>& settings,
                                       int64_t version);

// The current version of `db`, read in one transaction, with every broken rule; with `steer`,
// the steering configuration of the same version too (healthd probes the edges).
Result<HealthConfigResult> load_health_config(Db& db, SteerConfig* steer = nullptr);
// Opens `db_path` read-only and reads the current version; the first error when it is invalid.
Result<HealthConfig> read_health_config(const std::string& db_path, SteerConfig* steer = nullptr);

}  // namespace cdn::store
