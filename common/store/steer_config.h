// common/store/steer_config.h: the steering configuration (edges, pools, steered names, operator
// overrides of edge state, the latency map, the MaxMind DB path) as plain structs, read from the
// config database at one version, and the rules every stored version obeys.
// Used by cdn-dnsd (compiles its steering tables from it) and by cdnctl (validates a change
// against the whole configuration it would leave behind, as `record add` does for zones).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/steer_model.h"

namespace cdn::store {

using Edge = steer::Edge;
using Pool = steer::Pool;

struct SteeredName {
  std::string name;  // "www.cdn.example.com." (absolute, lower case)
  std::string pool;
  bool operator==(const SteeredName&) const = default;
};

// An operator's override of an edge's state; it wins over what healthd pushes until removed.
struct EdgeOverride {
  std::string edge;
  std::string state;           // "up", "down" or "drain"
  std::optional<double> load;  // overrides the pushed load (fraction of capacity) when set
};

struct LatencyEntry {
  std::string prefix;  // client network, canonical: "192.0.2.0/24", "2001:db8::/32"
  std::string edge;
  double rtt_ms = 0;
  bool operator==(const LatencyEntry&) const = default;
};

struct SteerConfig {
  int64_t version = 0;
  std::vector<Edge> edges;              // by name
  std::vector<Pool> pools;              // by name
  std::vector<SteeredName> names;       // by name
  std::vector<EdgeOverride> overrides;  // by edge
  std::vector<LatencyEntry> latency;    // by prefix, then edge
  std::string geoip_path;               // setting geoip.path, "" = not set

  const Edge* edge(const std::string& name) const;
  const Pool* pool(const std::string& name) const;
  const SteeredName* steered(const std::string& name) const;
  const EdgeOverride* override_for(const std::string& edge) const;
  // The pools listing `edge`, and the pools whose fallback is `pool`, by name.
  std::vector<std::string> pools_using_edge(const std::string& edge) const;
  std::vector<std::string> pools_falling_back_to(const std::string& pool) const;
  std::vector<std::string> names_steered_to(const std::string& pool) const;
};

// True when both compile to the same steering tables: the same edges, pools, steered names,
// latency map and MaxMind DB path (versions and operator overrides do not count).
bool same_tables(const SteerConfig& a, const SteerConfig& b);

// The setting holding the MaxMind DB path.
inline constexpr const char* kGeoipPathSetting = "geoip.path";

// "" when `name` is a valid edge or pool name ([a-z0-9-]+, at most 63 characters), else why not.
std::string check_object_name(const std::string& name);
// "" when `text` is a literal address of that family, else why not.
std::string check_ipv4(const std::string& text);
std::string check_ipv6(const std::string& text);
// "192.0.2.7/24" -> error (host bits set); "2001:DB8::/32" -> "2001:db8::/32".
Result<std::string> canonical_prefix(const std::string& text);

// Every rule a stored version obeys; each error's `where` names the object ("edge fra1",
// "pool web"). Empty when the configuration is valid.
std::vector<Error> validate_steer_config(const SteerConfig& config);

// One line per object, for diffs and the changelog: "site=fra lat=50.11 lon=8.68 ...".
std::string format_number(double value);  // shortest text that reads back exactly
std::string edge_text(const Edge& edge);
std::string pool_text(const Pool& pool);
std::string override_text(const EdgeOverride& state);

// Opens `db_path` read-only and reads the current version. Error.where is the path.
Result<SteerConfig> read_steer_config(const std::string& db_path);

}  // namespace cdn::store
