#include "dns/steer/served.h"

#include "common/net/prefix.h"
#include "dns/steer/compile.h"
#include "dns/steer/geoip.h"

namespace cdn::dns {
namespace {

Availability availability_of(const std::string& state) {
  return parse_availability(state).value_or(Availability::Up);
}

void append_rr(std::vector<uint8_t>& out, uint16_t type, uint32_t ttl, const net::Address& a) {
  size_t len = a.family == net::Family::V4 ? 4 : 16;
  uint8_t fixed[10];
  put16(fixed, type);
  put16(fixed + 2, kClassIn);
  put32(fixed + 4, ttl);
  put16(fixed + 8, uint16_t(len));
  out.insert(out.end(), fixed, fixed + 10);
  out.insert(out.end(), a.bytes.begin(), a.bytes.begin() + long(len));
}

}  // namespace

void ServedSteering::init_counters() {
  size_t slots = 0;
  pool_slot_.clear();
  for (const auto& pool : set.pools) {
    pool_slot_.push_back(uint32_t(slots));
    slots += pool.edges.size();
  }
  stripe_stride_ = (slots + 7) / 8 * 8;  // 8 counters = 64 bytes
  counters_ =
      std::make_unique<std::atomic<uint64_t>[]>(std::max<size_t>(1, stripe_stride_ * kStripes));
}

void ServedSteering::count_answer(uint16_t pool, uint16_t pool_edge) const noexcept {
  static std::atomic<unsigned> next_stripe{0};
  thread_local const unsigned stripe = next_stripe.fetch_add(1) % kStripes;
  counters_[stripe * stripe_stride_ + pool_slot_[pool] + pool_edge].fetch_add(
      1, std::memory_order_relaxed);
}

uint64_t ServedSteering::answers(uint16_t pool, uint16_t pool_edge) const noexcept {
  uint64_t total = 0;
  for (size_t s = 0; s < kStripes; ++s)
    total += counters_[s * stripe_stride_ + pool_slot_[pool] + pool_edge].load(
        std::memory_order_relaxed);
  return total;
}

int ServedSteering::find(const NameView& name) const noexcept {
  for (size_t i = 0; i < names.size(); ++i) {
    if (name_hashes[i] == name.hashes[0] && names[i].size() == name.len &&
        std::equal(names[i].begin(), names[i].end(), name.name))
      return int(i);
  }
  return -1;
}

Result<std::shared_ptr<const ServedSteering>> build_steering(const store::SteerConfig& config) {
  auto served = std::make_shared<ServedSteering>();
  SteeringConfig steering{config.edges, config.pools};
  GeoNetworks networks;
  if (!config.geoip_path.empty() && !config.names.empty()) {
    std::error_code ec;
    served->geo_mtime = std::filesystem::last_write_time(config.geoip_path, ec);
    served->geo_size = ec ? 0 : std::filesystem::file_size(config.geoip_path, ec);
    auto db = GeoDb::open(config.geoip_path);
    if (!db) return db.error();
    auto walked = db->networks();
    if (!walked) return walked.error();
    networks = std::move(walked.value());
    served->geo = std::make_shared<const GeoDb>(std::move(db.value()));
  }
  LatencyMap& latency = served->latency;
  for (const auto& l : config.latency) {
    auto network = net::parse_prefix(l.prefix);
    if (!network) return Error("latency " + l.prefix, network.error().text());
    latency.set(*network, l.edge, l.rtt_ms);
  }
  auto compiled = compile_steering(steering, networks, latency.empty() ? nullptr : &latency);
  if (!compiled) return compiled.error();
  served->set = std::move(compiled.value());

  for (const auto& n : config.names) {
    uint16_t pool = served->set.pool_index(n.pool);
    if (pool == kNoPool) return Error("steered name " + n.name, "unknown pool " + n.pool);
    std::vector<uint8_t> wire;
    std::string text = n.name;
    if (!text.empty() && text.back() == '.') text.pop_back();
    size_t start = 0;
    while (!text.empty() && start <= text.size()) {
      size_t dot = text.find('.', start);
      if (dot == std::string::npos) dot = text.size();
      if (dot == start || dot - start > kMaxLabelLength)
        return Error("steered name " + n.name, "not a plain host name");
      wire.push_back(uint8_t(dot - start));
      for (size_t i = start; i < dot; ++i) wire.push_back(ascii_lower(uint8_t(text[i])));
      start = dot + 1;
    }
    wire.push_back(0);
    served->name_hashes.push_back(name_hash(wire.data(), wire.size()));
    served->names.push_back(std::move(wire));
    served->name_pools.push_back(pool);
  }
  for (const auto& pool : served->set.pools) {
    std::vector<ServedSteering::EdgeRecords> per_edge(pool.edges.size());
    for (size_t i = 0; i < pool.edges.size(); ++i) {
      const Edge& edge = served->set.edges[pool.edges[i]];
      if (edge.ipv4) append_rr(per_edge[i].a, type::A, pool.ttl, *edge.ipv4);
      if (edge.ipv6) append_rr(per_edge[i].aaaa, type::AAAA, pool.ttl, *edge.ipv6);
      per_edge[i].a_count = edge.ipv4 ? 1 : 0;
      per_edge[i].aaaa_count = edge.ipv6 ? 1 : 0;
    }
    served->records.push_back(std::move(per_edge));
  }
  served->init_counters();
  return std::shared_ptr<const ServedSteering>(std::move(served));
}

SteeringStates states_with_overrides(const SteeringSet& set, const store::SteerConfig& config) {
  SteeringStates states = initial_states(set);
  for (const auto& o : config.overrides) {
    report_edge(states, set, o.edge, availability_of(o.state), o.load.value_or(0.0));
  }
  return states;
}

}  // namespace cdn::dns
