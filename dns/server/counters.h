// dns/server/counters.h: per-worker query counters. Each worker (UDP thread, the TCP thread)
// owns one block and is its only writer; /metrics sums all blocks with relaxed loads.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace cdn::dns {

// Query types counted by name; everything else is "other".
inline constexpr std::array<uint16_t, 14> kCountedTypes = {1,  2,  5,  6,  12, 15,  16,
                                                           28, 33, 35, 39, 43, 255, 257};

struct alignas(64) QueryCounters {
  using Counter = std::atomic<uint64_t>;
  // Single writer: a relaxed load+store is enough and avoids a locked add per query.
  static void bump(Counter& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  std::array<Counter, 2> queries_by_transport{};                     // 0 udp, 1 tcp
  std::array<Counter, kCountedTypes.size() + 1> queries_by_qtype{};  // last = other
  std::array<Counter, 24> responses_by_rcode{};  // extended rcodes up to 23 (BADVERS = 16)
  Counter truncated{};
  Counter dropped{};  // packets that got no response
  // Steered answers by decision (dns/steer Reason: nearest, spillover, unknown location,
  // all down serve-all, all down fallback), ECS queries, and the ECS scopes answered.
  std::array<Counter, 5> steered_by_reason{};
  Counter ecs_queries{};
  std::array<Counter, 129> ecs_scope{};

  void count_qtype(uint16_t qtype) {
    for (size_t i = 0; i < kCountedTypes.size(); ++i) {
      if (kCountedTypes[i] == qtype) return bump(queries_by_qtype[i]);
    }
    bump(queries_by_qtype[kCountedTypes.size()]);
  }
};

}  // namespace cdn::dns
