// dns/steer/served.h: steering as cdn-dnsd serves it. DOC:
// Built off the query path from the config database's steering tables (store::SteerConfig):
// the compiled SteeringSet (dns/steer), the steered names (lower-cased wire names -> pool), and
// for every pool and edge its A and AAAA records pre-encoded with the pool's TTL, so an answer
// is a prefix lookup, a walk over a short ranking and byte copies. Edge states (up/down/drain,
// load) change far more often than the config and live apart, in SteeringStates.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "common/result.h"
#include "common/store/steer_config.h"
#include "dns/steer/compile.h"
#include "dns/steer/compiled_steering.h"
#include "dns/steer/geoip.h"
#include "dns/steer/select.h"
#include "dns/wire/wire.h"

namespace cdn::dns {

struct ServedSteering {
  SteeringSet set;
  std::vector<std::vector<uint8_t>> names;  // steered names, lower-cased wire format
  std::vector<uint32_t> name_hashes;
  std::vector<uint16_t> name_pools;
  // [pool][pool-local edge]: TYPE CLASS TTL RDLENGTH RDATA for each address, and how many.
  struct EdgeRecords {
    std::vector<uint8_t> a, aaaa;
    uint16_t a_count = 0, aaaa_count = 0;
  };
  std::vector<std::vector<EdgeRecords>> records;
  // For explain: the MaxMind DB the set was compiled from (null without one) and the latency map.
  std::shared_ptr<const GeoDb> geo;
  LatencyMap latency;
  // The MaxMind DB file as it was when read (taken before opening it), so that a newer file
  // is noticed: cdn-dnsd reloads when it changes.
  std::filesystem::file_time_type geo_mtime{};
  uintmax_t geo_size = 0;

  // The steered name's index, or -1 (a handful of names: a linear scan of hashes).
  int find(const NameView& name) const noexcept;

  // Answers per pool and edge, counted by the workers while this version serves (a reload
  // starts new counters: Prometheus reads that as a counter reset). Each thread counts in its
  // own stripe, so workers do not share cache lines.
  void count_answer(uint16_t pool, uint16_t pool_edge) const noexcept;
  uint64_t answers(uint16_t pool, uint16_t pool_edge) const noexcept;
  void init_counters();  // once, after `set` is final

 private:
  static constexpr size_t kStripes = 8;
  std::vector<uint32_t> pool_slot_;  // first counter of each pool
  size_t stripe_stride_ = 0;         // counters per stripe, rounded up to a cache line
  std::unique_ptr<std::atomic<uint64_t>[]> counters_;

 public:
};

// Compiles the steering tables; reads the MaxMind DB named by the config. Errors name the part.
Result<std::shared_ptr<const ServedSteering>> build_steering(const store::SteerConfig& config);

// Edge states for a steering set, with the operator's overrides from the config applied.
SteeringStates states_with_overrides(const SteeringSet& set, const store::SteerConfig& config);

}  // namespace cdn::dns
