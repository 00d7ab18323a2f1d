// dns/steer/compiled_steering.h: steering compiled for answering. DOC:
// For each pool, every client network maps to a ranking: the pool's edges, best first, for
// clients there. Rankings are shared by all networks that rank the same (a few thousand for
// millions of networks), stored back to back as pool-local edge indices. Ranking 0 is the pool's
// configured order, used where the location is unknown (no network in the MaxMind DB, or one
// without coordinates). Two prefix tables, IPv4 and IPv6, cover the whole address space, so a
// query's work is one binary search plus a walk over a short list (select.h). Built once per
// snapshot by compile_steering() (compile.h), never changed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/prefix.h"
#include "dns/steer/model.h"
#include "dns/steer/prefix_table.h"

namespace cdn::dns {

inline constexpr size_t kMaxPoolEdges = 64;
inline constexpr int kMaxFallbackDepth = 3;  // pool -> fallback -> fallback -> fallback
inline constexpr uint16_t kNoPool = UINT16_MAX;

enum class AllDownPolicy : uint8_t {
  ServeAll,  // fail open: answer every edge of the pool (Pool::fallback empty, the default)
  Fallback,  // answer from the pool `fallback` instead
};
inline constexpr uint32_t kUnknownLocationRanking = 0;

struct Ranking {
  uint32_t offset = 0;  // in CompiledPool::ranked_edges
  uint16_t count = 0;
  bool location_known = false;
};

struct CompiledPool {
  std::string name;
  uint16_t answers = steer::kPoolAnswers;
  uint32_t ttl = steer::kPoolTtl;
  AllDownPolicy all_down = AllDownPolicy::ServeAll;
  uint16_t fallback = kNoPool;  // pool index, with AllDownPolicy::Fallback
  double load_low = steer::kPoolLoadLow;
  double load_high = steer::kPoolLoadHigh;
  std::vector<uint32_t> edges;         // pool-local edge index -> SteeringSet::edges index
  std::vector<uint16_t> ranked_edges;  // every ranking's pool-local edge indices, back to back
  std::vector<Ranking> rankings;       // [kUnknownLocationRanking]: the configured order
  PrefixTable ipv4;
  PrefixTable ipv6;

  std::span<const uint16_t> ranking(uint32_t id) const noexcept {
    const Ranking& r = rankings[id];
    return {ranked_edges.data() + r.offset, r.count};
  }
  // The client's network. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as dual-stack sockets
  // give) is looked up as IPv4, its prefix length then counted in IPv6 bits (96 + n).
  PrefixTable::Match lookup(const net::Address& client) const noexcept;
};

struct SteeringSet {
  std::vector<Edge> edges;
  std::vector<CompiledPool> pools;

  uint16_t pool_index(std::string_view name) const noexcept;  // kNoPool if there is none
  size_t memory_bytes() const;
};

}  // namespace cdn::dns
