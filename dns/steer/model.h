// dns/steer/model.h: what an operator configures for steering, as plain values: edges (where a
// site is and what it answers with) and pools (which edges answer a steered name, how many, and
// what happens when all of them are unavailable). The store reads these; compile_steering()
// (compile.h) turns them into per-network rankings.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/net/prefix.h"
#include "common/steer_defaults.h"

namespace cdn::dns {

struct Edge {
  std::string name;  // unique: "fra1-a"
  std::string site;  // "fra1"
  double latitude = 0;
  double longitude = 0;
  std::vector<net::Address> ipv4;                     // answered as A
  std::vector<net::Address> ipv6;                     // answered as AAAA
  uint32_t capacity = steer_defaults::kEdgeCapacity;  // reported load is 0..1 of it
  uint32_t weight = steer_defaults::kEdgeWeight;  // share among edges tied on score; 0 counts as 1
};

enum class AllDownPolicy : uint8_t {
  ServeAll,  // fail open: answer every edge of the pool (the default)
  Fallback,  // answer from `fallback_pool` instead
};

struct Pool {
  std::string name;
  std::vector<std::string> edges;  // edge names; this order is also the order for unknown locations
  uint16_t answers = steer_defaults::kPoolAnswers;  // N: edges per answer
  uint32_t ttl = steer_defaults::kPoolTtl;
  AllDownPolicy all_down = AllDownPolicy::ServeAll;
  std::string fallback_pool;  // with AllDownPolicy::Fallback
  double load_low = steer_defaults::kPoolLoadLow;
  double load_high = steer_defaults::kPoolLoadHigh;
};

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
