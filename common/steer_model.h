// common/steer_model.h: what an operator configures for steering, as plain values, one model for
// the whole tree: the store reads and writes it (common/store/steer_config.h, with the rules
// every stored version obeys), cdnctl edits it, cdn-dnsd compiles it into per-network rankings
// (dns/steer/compile.h). One set of defaults: what cdnctl writes when an option is not given is
// what the compiler assumes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/net/prefix.h"

namespace cdn::steer {

inline constexpr int64_t kEdgeCapacity = 1;    // no unit: reported load is a fraction of it
inline constexpr int64_t kEdgeWeight = 1;      // share among edges tied on score
inline constexpr int64_t kPoolAnswers = 1;     // addresses per answer
inline constexpr int64_t kPoolTtl = 60;        // seconds
inline constexpr double kPoolLoadLow = 0.80;   // an overloaded edge comes back below this load
inline constexpr double kPoolLoadHigh = 0.95;  // an edge above this load is overloaded

// Where a site is and what it answers with.
struct Edge {
  std::string name;  // "fra1": [a-z0-9-]+
  std::string site;  // "fra", free of spaces; "" = none
  double latitude = 0;
  double longitude = 0;
  std::optional<net::Address> ipv4;  // answered as A (at least one of ipv4/ipv6 is set)
  std::optional<net::Address> ipv6;  // answered as AAAA
  int64_t capacity = kEdgeCapacity;  // > 0
  int64_t weight = kEdgeWeight;      // > 0; share among edges tied on score
  bool operator==(const Edge&) const = default;
};

// Which edges answer a steered name, how many, and what happens when all are unavailable.
struct Pool {
  std::string name;
  std::vector<std::string> edges;  // in the order given, also the order for unknown locations
  int64_t answers = kPoolAnswers;  // addresses per answer, >= 1
  int64_t ttl = kPoolTtl;          // seconds, 0..86400
  std::string fallback;            // all edges down: "" = answer all edges, else this pool
  double low = kPoolLoadLow;       // load water marks: 0 <= low < high <= 1
  double high = kPoolLoadHigh;
  std::string all_down() const { return fallback.empty() ? "serve-all" : "fallback:" + fallback; }
  bool operator==(const Pool&) const = default;
};

}  // namespace cdn::steer
