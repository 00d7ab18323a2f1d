// dns/steer/model.h: what the rank compiler (compile.h) takes: the edges and pools of the one
// steering model (common/steer_model.h), and where a client network is.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/net/prefix.h"
#include "common/steer_model.h"

namespace cdn::dns {

using Edge = steer::Edge;
using Pool = steer::Pool;

struct SteeringConfig {
  std::vector<Edge> edges;
  std::vector<Pool> pools;
};

// Where a client network is, from the MaxMind DB. Fields not in the record stay empty.
struct Location {
  bool has_coordinates = false;
  double latitude = 0;
  double longitude = 0;
  std::string country;    // ISO 3166-1 alpha-2: "DE"
  std::string continent;  // "EU"

  friend bool operator==(const Location&, const Location&) = default;
};

}  // namespace cdn::dns
