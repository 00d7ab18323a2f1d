// tests/unit/dns/steer/steer_fixtures.h: small builders for the steering tests.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/net/prefix.h"
#include "dns/steer/compile.h"
#include "dns/steer/geoip.h"
#include "dns/steer/model.h"

namespace cdn::dns::test {

inline net::Prefix net(const std::string& text) {
  auto n = net::parse_prefix(text);
  REQUIRE_MESSAGE(n.has_value(), text);
  return *n;
}

inline net::Address addr(const std::string& text) {
  auto a = net::parse_address(text);
  REQUIRE_MESSAGE(a.has_value(), text);
  return *a;
}

// Cities used across the tests.
struct Place {
  double latitude, longitude;
};
inline constexpr Place kLondon{51.5074, -0.1278};
inline constexpr Place kParis{48.8566, 2.3522};
inline constexpr Place kFrankfurt{50.1109, 8.6821};
inline constexpr Place kNewYork{40.7128, -74.0060};
inline constexpr Place kSingapore{1.3521, 103.8198};

inline Edge edge(const std::string& name, Place at, uint32_t weight = 1) {
  Edge e;
  e.name = name;
  e.site = name.substr(0, name.find('-'));
  e.latitude = at.latitude;
  e.longitude = at.longitude;
  e.weight = weight;
  e.capacity = 1000;
  return e;
}

inline Pool pool(const std::string& name, std::vector<std::string> edges, uint16_t answers = 1) {
  Pool p;
  p.name = name;
  p.edges = std::move(edges);
  p.answers = answers;
  return p;
}

// MaxMind networks without a database.
class GeoBuilder {
 public:
  GeoBuilder& add(const std::string& network, Place at) {
    Location loc;
    loc.has_coordinates = true;
    loc.latitude = at.latitude;
    loc.longitude = at.longitude;
    return add(network, loc);
  }
  GeoBuilder& add_without_coordinates(const std::string& network) {
    Location loc;
    loc.country = "NL";
    return add(network, loc);
  }
  GeoBuilder& add(const std::string& network, const Location& loc) {
    geo_.networks.push_back({net(network), uint32_t(geo_.locations.size())});
    geo_.locations.push_back(loc);
    return *this;
  }
  const GeoNetworks& get() const { return geo_; }

 private:
  GeoNetworks geo_;
};

inline SteeringSet compile_or_fail(const SteeringConfig& config, const GeoNetworks& geo,
                                   const LatencyMap* latency = nullptr) {
  auto set = compile_steering(config, geo, latency);
  REQUIRE_MESSAGE(set.has_value(), (set.has_value() ? "" : set.error().text()));
  return std::move(*set);
}

// The edge names of a ranking, best first.
inline std::vector<std::string> names(const SteeringSet& set, const CompiledPool& pool,
                                      std::span<const uint16_t> edges) {
  std::vector<std::string> out;
  for (uint16_t e : edges) out.push_back(set.edges[pool.edges[e]].name);
  return out;
}

inline std::vector<std::string> ranking_at(const SteeringSet& set, const std::string& pool_name,
                                           const std::string& address) {
  const CompiledPool& pool = set.pools[set.pool_index(pool_name)];
  return names(set, pool, pool.ranking(pool.lookup(addr(address)).ranking));
}

}  // namespace cdn::dns::test
