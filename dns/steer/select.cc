// dns/steer/select.cc: the query-time walk over a ranking (see select.h).
#include "dns/steer/select.h"

#include <algorithm>

#include "common/enum_text.h"

namespace cdn::dns {
namespace {

Verdict skip_verdict(const EdgeState& s) {
  if (s.availability == Availability::Down) return Verdict::SkippedDown;
  if (s.availability == Availability::Drain) return Verdict::SkippedDrain;
  return Verdict::SkippedOverloaded;
}

void add_candidate(SelectionTrace* trace, uint16_t pool, uint16_t edge, uint16_t rank,
                   const EdgeState& s, Verdict verdict) {
  if (trace == nullptr || trace->candidate_count == trace->candidates.size()) return;
  CandidateTrace& c = trace->candidates[trace->candidate_count++];
  c = CandidateTrace{};
  c.pool = pool;
  c.edge = edge;
  c.rank = rank;
  c.availability = s.availability;
  c.load = s.load;
  c.overloaded = s.overload.overloaded();
  c.verdict = verdict;
}

// States made for another SteeringSet version (a race between a snapshot swap and a state
// publish) must not index out of range: such a pool counts as all up, failing open.
std::span<const EdgeState> states_for(const SteeringSet& set, const SteeringStates& states,
                                      uint16_t pool) noexcept {
  static const std::array<EdgeState, kMaxPoolEdges> kAllUp{};
  const size_t edges = set.pools[pool].edges.size();
  if (pool < states.pools.size() && states.pools[pool].size() == edges) return states.pools[pool];
  return {kAllUp.data(), edges};
}

}  // namespace

constexpr std::array<std::string_view, 5> kReasonWords = {
    "nearest", "spillover", "unknown location", "all-down serve-all", "all-down fallback"};

std::string_view reason_text(Reason r) {
  return enum_text<Reason::AllDownFallback>(r, kReasonWords);
}

constexpr std::array<std::string_view, 6> kVerdictWords = {
    "chosen",     "skipped: down",    "skipped: draining", "skipped: overloaded",
    "not needed", "served (all down)"};

std::string_view verdict_text(Verdict v) { return enum_text<Verdict::ServedAll>(v, kVerdictWords); }

SteeringStates initial_states(const SteeringSet& set) {
  SteeringStates states;
  states.pools.reserve(set.pools.size());
  for (const auto& p : set.pools) states.pools.emplace_back(p.edges.size());
  return states;
}

bool report_edge(SteeringStates& states, const SteeringSet& set, std::string_view edge,
                 Availability availability, double load) {
  auto it = std::find_if(set.edges.begin(), set.edges.end(),
                         [&](const Edge& e) { return e.name == edge; });
  if (it == set.edges.end()) return false;
  const uint32_t index = uint32_t(it - set.edges.begin());
  for (size_t p = 0; p < set.pools.size(); ++p) {
    const CompiledPool& pool = set.pools[p];
    for (size_t i = 0; i < pool.edges.size(); ++i)
      if (pool.edges[i] == index)
        states.pools[p][i].report(availability, load, pool.load_low, pool.load_high);
  }
  return true;
}

Selection select_edges(const SteeringSet& set, uint16_t pool_index, uint32_t ranking,
                       std::span<const EdgeState> states, SelectionTrace* trace) noexcept {
  const CompiledPool& pool = set.pools[pool_index];
  const std::span<const uint16_t> ranked = pool.ranking(ranking);
  Selection out;
  out.pool = pool_index;
  out.location_known = pool.rankings[ranking].location_known;
  bool skipped = false;
  for (size_t rank = 0; rank < ranked.size(); ++rank) {
    const uint16_t edge = ranked[rank];
    const EdgeState& s = states[edge];
    Verdict verdict;
    if (!s.serving()) {
      verdict = skip_verdict(s);
      if (out.count < pool.answers) skipped = true;
    } else if (out.count < pool.answers) {
      verdict = Verdict::Chosen;
      out.edges[out.count++] = edge;
    } else {
      verdict = Verdict::NotNeeded;
    }
    add_candidate(trace, pool_index, edge, uint16_t(rank), s, verdict);
    // Enough edges: the rest only matters to a trace (explain lists every candidate).
    if (trace == nullptr && out.count == pool.answers) break;
  }
  if (out.count > 0) {
    out.reason = !out.location_known ? Reason::UnknownLocation
                 : skipped           ? Reason::Spillover
                                     : Reason::Nearest;
    return out;
  }
  if (pool.all_down == AllDownPolicy::Fallback && pool.fallback != kNoPool) {
    out.reason = Reason::AllDownFallback;
    return out;
  }
  out.reason = Reason::AllDownServeAll;
  if (trace != nullptr) {  // the same candidates, now served
    for (size_t i = trace->candidate_count - std::min(trace->candidate_count, ranked.size());
         i < trace->candidate_count; ++i)
      trace->candidates[i].verdict = Verdict::ServedAll;
  }
  for (const uint16_t edge : ranked) out.edges[out.count++] = edge;
  return out;
}

Selection steer(const SteeringSet& set, const SteeringStates& states, uint16_t pool,
                const net::Address& client, SelectionTrace* trace) noexcept {
  uint8_t longest = 0;
  for (int hop = 0;; ++hop) {
    const CompiledPool& p = set.pools[pool];
    const PrefixTable::Match match = p.lookup(client);
    longest = std::max(longest, match.prefix_length);
    if (trace != nullptr && trace->pool_count < trace->pools.size()) {
      PoolTrace& t = trace->pools[trace->pool_count++];
      t.pool = pool;
      t.ranking = match.ranking;
      t.network = net::prefix_of(client, match.prefix_length);
      t.location_known = p.rankings[match.ranking].location_known;
    }
    Selection out = select_edges(set, pool, match.ranking, states_for(set, states, pool), trace);
    out.fallbacks = uint8_t(hop);
    out.prefix_length = longest;
    if (out.count == 0 && hop < kMaxFallbackDepth) {  // AllDownFallback: try the next pool
      pool = p.fallback;
      continue;
    }
    if (out.count == 0) {  // compile_steering() rejects longer chains; fail open regardless
      out.reason = Reason::AllDownServeAll;
      for (const uint16_t edge : p.ranking(match.ranking)) out.edges[out.count++] = edge;
      return out;
    }
    if (hop > 0 && out.reason != Reason::AllDownServeAll) out.reason = Reason::AllDownFallback;
    return out;
  }
}

Selection explain(const SteeringSet& set, const SteeringStates& states, uint16_t pool,
                  const net::Address& client, const Location* location, const LatencyMap* latency,
                  SelectionTrace& trace) {
  trace = SelectionTrace{};
  Selection out = steer(set, states, pool, client, &trace);
  if (location == nullptr || !location->has_coordinates) return out;
  // Latency prefixes split networks at compile time, so the RTT the compiler used for the
  // client's network is the one of the longest latency prefix holding the client's address.
  const net::Prefix client_network = net::prefix_of(client, net::address_bits(client.family));
  for (size_t i = 0; i < trace.candidate_count; ++i) {
    CandidateTrace& c = trace.candidates[i];
    const CompiledPool& p = set.pools[c.pool];
    c.score = score_edge(set.edges[p.edges[c.edge]], *location, client_network, latency);
    c.score.edge = c.edge;
    c.scored = true;
  }
  return out;
}

}  // namespace cdn::dns
