// dns/steer/select.h: which edges answer one query. DOC:
// steer() finds the client's network in the pool's prefix table (which gives the ranking and
// the prefix length, the ECS scope), walks the ranking skipping edges that are down, draining
// or overloaded, and returns the first N. When none serves, the pool's policy decides: every
// edge of the pool (fail open), or the same steps in the fallback pool. The query path calls it
// without a trace and it does no allocation and takes no lock: the SteeringSet and the
// SteeringStates it reads are immutable versions the server publishes whole (common/snapshot.h).
// explain() (`cdnctl explain`) calls the same steer() with a trace, then adds the score parts.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/net/prefix.h"
#include "dns/steer/compile.h"
#include "dns/steer/compiled_steering.h"
#include "dns/steer/edge_state.h"

namespace cdn::dns {

// Why the answer is what it is. The precedence, when several hold: all-down policies, then
// unknown location, then spillover.
enum class Reason : uint8_t {
  Nearest,          // the top N of the ranking, all serving
  Spillover,        // an edge ranked above an answered one was skipped (down, drain, overload)
  UnknownLocation,  // no location for the client: the pool's configured order
  AllDownServeAll,  // nothing served: every edge of the (last) pool, fail open
  AllDownFallback,  // nothing served: the answer comes from a fallback pool
};
std::string_view reason_text(Reason r);  // "nearest", "spillover", ...

enum class Verdict : uint8_t {
  Chosen,
  SkippedDown,
  SkippedDrain,
  SkippedOverloaded,
  NotNeeded,  // serving, but N edges were chosen before it
  ServedAll,  // answered by the serve-all policy
};
std::string_view verdict_text(Verdict v);

struct Selection {
  uint16_t pool = 0;  // whose edges `edges` indexes (differs from the asked pool after fallback)
  uint8_t fallbacks = 0;  // fallback hops taken
  Reason reason = Reason::Nearest;
  bool location_known = false;  // in the last pool looked up
  uint8_t prefix_length = 0;    // the longest matched prefix over the pools looked up: ECS scope
  uint16_t count = 0;
  std::array<uint16_t, kMaxPoolEdges> edges{};  // pool-local indices, in answer order

  std::span<const uint16_t> chosen() const { return {edges.data(), count}; }
};

// Per pool, per pool-local edge: pools may set different load marks for the same edge. Made
// for one SteeringSet (initial_states); a pool whose states do not match counts as all up.
struct SteeringStates {
  std::vector<std::vector<EdgeState>> pools;
};
SteeringStates initial_states(const SteeringSet& set);  // all up, load 0
// Applies one edge's report to every pool holding it, each with its own marks. False: no such edge.
bool report_edge(SteeringStates& states, const SteeringSet& set, std::string_view edge,
                 Availability availability, double load);

struct PoolTrace {
  uint16_t pool = 0;
  uint32_t ranking = 0;
  net::Prefix network;  // the matched prefix
  bool location_known = false;
};
struct CandidateTrace {
  uint16_t pool = 0;
  uint16_t edge = 0;  // pool-local
  uint16_t rank = 0;  // position in the ranking
  Availability availability = Availability::Up;
  float load = 0;
  bool overloaded = false;
  Verdict verdict = Verdict::NotNeeded;
  bool scored = false;  // explain() knew the location: the score parts below are set
  EdgeScore score;
};
struct SelectionTrace {
  std::array<PoolTrace, kMaxFallbackDepth + 1> pools;
  size_t pool_count = 0;
  std::array<CandidateTrace, kMaxPoolEdges*(kMaxFallbackDepth + 1)> candidates;
  size_t candidate_count = 0;
};

// From one ranking of one pool, without following a fallback: with nothing serving and the
// Fallback policy, reason is AllDownFallback and count 0.
Selection select_edges(const SteeringSet& set, uint16_t pool, uint32_t ranking,
                       std::span<const EdgeState> states, SelectionTrace* trace = nullptr) noexcept;
// The query path: lookup, selection, fallbacks.
Selection steer(const SteeringSet& set, const SteeringStates& states, uint16_t pool,
                const net::Address& client, SelectionTrace* trace = nullptr) noexcept;
// steer() with a trace, plus each candidate's distance, RTT and score for `location` (from the
// MaxMind DB; null or without coordinates: no score parts).
Selection explain(const SteeringSet& set, const SteeringStates& states, uint16_t pool,
                  const net::Address& client, const Location* location, const LatencyMap* latency,
                  SelectionTrace& trace);

}  // namespace cdn::dns
