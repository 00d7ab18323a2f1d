// dns/steer/compile.h: the rank compiler: SteeringConfig + MaxMind networks -> SteeringSet. DOC:
// Off the query path, for every pool and every MaxMind network with a location, the pool's edges
// are scored and sorted, lower score first:
//
//   score = great-circle distance in km (haversine, mean Earth radius 6371.0088 km)
//         + kKmPerRttMs x RTT in ms, where the latency map has an RTT for (client network, edge).
//
// kKmPerRttMs = 100: light in fibre covers about 200 km per ms one way, so 1 ms of round trip
// is about 100 km of path. A measured RTT thus weighs like the extra path it reveals.
//
// Ties: after sorting by score, edges whose score is within kTieKm of the first edge of their
// group are tied (edges of one site have the same coordinates). Within a tie the order is a
// weighted rendezvous hash: each edge gets -ln(u) / weight, u in (0, 1] from a 64-bit FNV-1a
// hash of (client network, edge name), smallest first. So a client network always gets the
// same order, and across networks each edge comes first in proportion to its weight.
//
// A latency prefix inside a MaxMind network splits it (into the latency prefix and the sibling
// prefixes around it) so that the RTT applies to exactly its clients; the RTT used for a network
// is that of the longest latency prefix containing it with an RTT for the edge.
// Networks without coordinates get ranking 0 (the configured order, "unknown location").
// Adjacent networks with the same ranking are then merged (prefix_table.h).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/steer/compiled_steering.h"
#include "dns/steer/geoip.h"
#include "dns/steer/model.h"

namespace cdn::dns {

inline constexpr double kEarthRadiusKm = 6371.0088;
inline constexpr double kKmPerRttMs = 100.0;
inline constexpr double kTieKm = 1.0;

double haversine_km(double lat1, double lon1, double lat2, double lon2) noexcept;

// Measured round trips from client networks to edges.
class LatencyMap {
 public:
  void set(const net::Prefix& client, std::string_view edge, double rtt_ms);
  // From the longest client prefix containing `client` with an RTT for `edge`.
  std::optional<double> rtt_ms(const net::Prefix& client, std::string_view edge) const;
  std::vector<net::Prefix> prefixes() const;  // sorted
  bool empty() const { return entries_.empty(); }

 private:
  std::map<net::Prefix, std::map<std::string, double, std::less<>>> entries_;
  std::array<bool, 129> lengths_v4_{};  // which prefix lengths have entries
  std::array<bool, 129> lengths_v6_{};
};

struct EdgeScore {
  uint16_t edge = 0;  // pool-local index
  double distance_km = 0;
  double rtt_ms = -1;  // -1: no measurement
  double score = 0;
};

// One edge for a client network at `location` (which has coordinates).
EdgeScore score_edge(const Edge& edge, const Location& location, const net::Prefix& client,
                     const LatencyMap* latency);
// All of a pool's edges, best first, ties spread as described above.
std::vector<EdgeScore> rank_edges(const SteeringSet& set, const CompiledPool& pool,
                                  const Location& location, const net::Prefix& client,
                                  const LatencyMap* latency);

// Checks the config (names, references, fallback chains, marks) and compiles every pool.
// Errors name the pool or edge: "pool www: unknown edge fra9".
Result<SteeringSet> compile_steering(const SteeringConfig& config, const GeoNetworks& networks,
                                     const LatencyMap* latency = nullptr);

}  // namespace cdn::dns
