// dns/steer/compile.cc: scoring, tie spreading, network splitting and the per-pool tables
// (see compile.h for the rules).
#include "dns/steer/compile.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace cdn::dns {
namespace {

constexpr double kRadiansPerDegree = std::numbers::pi / 180.0;

uint64_t fnv1a(uint64_t h, const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < len; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// -ln(u) / weight for (client network, edge): the rendezvous key, smaller first.
double tie_key(const net::Prefix& client, const Edge& edge) {
  uint64_t h = 14695981039346656037ull;
  // The family as it always went into the key (4 or 6), so ties break as they did.
  const uint8_t head[2] = {uint8_t(client.address.family == net::Family::V4 ? 4 : 6),
                           client.length};
  h = fnv1a(h, head, sizeof head);
  h = fnv1a(h, client.address.bytes.data(), client.address.bytes.size());
  h = fnv1a(h, edge.name.data(), edge.name.size());
  // FNV's low bits mix poorly; finish with the splitmix64 finaliser.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  const double u = double((h >> 11) + 1) * 0x1.0p-53;  // (0, 1]
  return -std::log(u) / double(std::max<uint32_t>(edge.weight, 1));
}

// Sorts by score, then orders each tie group by rendezvous key.
void order_scores(std::vector<EdgeScore>& scores, const SteeringSet& set, const CompiledPool& pool,
                  const net::Prefix& client) {
  std::sort(scores.begin(), scores.end(), [](const EdgeScore& a, const EdgeScore& b) {
    return a.score != b.score ? a.score < b.score : a.edge < b.edge;
  });
  double keys[kMaxPoolEdges];
  for (size_t first = 0; first < scores.size();) {
    size_t end = first + 1;
    while (end < scores.size() && scores[end].score - scores[first].score <= kTieKm) ++end;
    if (end - first > 1) {
      for (size_t i = first; i < end; ++i)
        keys[scores[i].edge] = tie_key(client, set.edges[pool.edges[scores[i].edge]]);
      std::sort(scores.begin() + long(first), scores.begin() + long(end),
                [&](const EdgeScore& a, const EdgeScore& b) {
                  return keys[a.edge] != keys[b.edge] ? keys[a.edge] < keys[b.edge]
                                                      : a.edge < b.edge;
                });
    }
    first = end;
  }
}

// Splits `whole` until no latency prefix lies strictly inside a piece.
void split_around(const net::Prefix& whole, const std::vector<net::Prefix>& inside,
                  uint32_t location, std::vector<GeoNetwork>& out) {
  bool split = false;
  for (const auto& l : inside)
    if (l.length > whole.length && net::contains(whole, l)) {
      split = true;
      break;
    }
  if (!split) {
    out.push_back({whole, location});
    return;
  }
  const net::Family family = whole.address.family;
  net::Prefix left = whole, right = whole;
  left.length = right.length = uint8_t(whole.length + 1);
  right.address = net::address_from_value(
      family, net::address_value(whole.address) | net::Bits128(1)
                                                      << (net::address_bits(family) - left.length));
  split_around(left, inside, location, out);
  split_around(right, inside, location, out);
}

std::vector<GeoNetwork> split_by_latency(const GeoNetworks& geo, const LatencyMap* latency) {
  if (latency == nullptr || latency->empty()) return geo.networks;
  const std::vector<net::Prefix> prefixes = latency->prefixes();
  std::vector<GeoNetwork> out;
  out.reserve(geo.networks.size());
  std::vector<net::Prefix> inside;
  for (const auto& g : geo.networks) {
    inside.clear();
    auto it = std::lower_bound(prefixes.begin(), prefixes.end(), g.network);
    for (; it != prefixes.end() && contains(g.network, *it); ++it)
      if (it->length > g.network.length) inside.push_back(*it);
    if (inside.empty())
      out.push_back(g);
    else
      split_around(g.network, inside, g.location, out);
  }
  return out;
}

Status check_config(const SteeringConfig& config) {
  std::unordered_set<std::string> edge_names, pool_names;
  for (const auto& e : config.edges) {
    const std::string where = "edge " + e.name;
    if (e.name.empty()) return Error("edge", "empty name");
    if (!edge_names.insert(e.name).second) return Error(where, "defined twice");
    if (!(e.latitude >= -90 && e.latitude <= 90) || !(e.longitude >= -180 && e.longitude <= 180))
      return Error(where, "latitude/longitude out of range");
    if (e.ipv4 && e.ipv4->family != net::Family::V4)
      return Error(where, e.ipv4->text() + " is not IPv4");
    if (e.ipv6 && e.ipv6->family != net::Family::V6)
      return Error(where, e.ipv6->text() + " is not IPv6");
  }
  for (const auto& p : config.pools) {
    const std::string where = "pool " + p.name;
    if (p.name.empty()) return Error("pool", "empty name");
    if (!pool_names.insert(p.name).second) return Error(where, "defined twice");
    if (p.edges.empty()) return Error(where, "has no edges");
    if (p.edges.size() > kMaxPoolEdges)
      return Error(where, "more than " + std::to_string(kMaxPoolEdges) + " edges");
    std::unordered_set<std::string> seen;
    for (const auto& e : p.edges) {
      if (!edge_names.count(e)) return Error(where, "unknown edge " + e);
      if (!seen.insert(e).second) return Error(where, "edge " + e + " listed twice");
    }
    if (p.answers == 0) return Error(where, "answers must be at least 1");
    if (!(p.low >= 0 && p.low <= p.high))
      return Error(where, "load marks must satisfy 0 <= low <= high");
  }
  for (const auto& p : config.pools) {
    if (p.fallback.empty()) continue;
    const std::string where = "pool " + p.name;
    const Pool* at = &p;
    for (int hop = 0; !at->fallback.empty(); ++hop) {
      if (hop == kMaxFallbackDepth)
        return Error(where, "fallback chain longer than " + std::to_string(kMaxFallbackDepth) +
                                " pools or a loop");
      auto next = std::find_if(config.pools.begin(), config.pools.end(),
                               [&](const Pool& q) { return q.name == at->fallback; });
      if (next == config.pools.end())
        return Error("pool " + at->name, "unknown fallback pool '" + at->fallback + "'");
      at = &*next;
    }
  }
  return Ok{};
}

}  // namespace

double haversine_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  const double p1 = lat1 * kRadiansPerDegree, p2 = lat2 * kRadiansPerDegree;
  const double dp = p2 - p1, dl = (lon2 - lon1) * kRadiansPerDegree;
  const double a = std::sin(dp / 2) * std::sin(dp / 2) +
                   std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

void LatencyMap::set(const net::Prefix& client, std::string_view edge, double rtt_ms) {
  entries_[client][std::string(edge)] = rtt_ms;
  (client.address.family == net::Family::V4 ? lengths_v4_ : lengths_v6_)[client.length] = true;
}

std::optional<double> LatencyMap::rtt_ms(const net::Prefix& client, std::string_view edge) const {
  const auto& lengths = client.address.family == net::Family::V4 ? lengths_v4_ : lengths_v6_;
  for (int len = client.length; len >= 0; --len) {
    if (!lengths[size_t(len)]) continue;
    auto it = entries_.find(net::prefix_of(client.address, len));
    if (it == entries_.end()) continue;
    auto rtt = it->second.find(edge);
    if (rtt != it->second.end()) return rtt->second;
  }
  return std::nullopt;
}

std::vector<net::Prefix> LatencyMap::prefixes() const {
  std::vector<net::Prefix> out;
  out.reserve(entries_.size());
  for (const auto& [network, _] : entries_) out.push_back(network);
  return out;  // std::map keeps them sorted
}

EdgeScore score_edge(const Edge& edge, const Location& location, const net::Prefix& client,
                     const LatencyMap* latency) {
  EdgeScore s;
  s.distance_km =
      haversine_km(location.latitude, location.longitude, edge.latitude, edge.longitude);
  s.score = s.distance_km;
  if (latency != nullptr) {
    if (auto rtt = latency->rtt_ms(client, edge.name)) {
      s.rtt_ms = *rtt;
      s.score += kKmPerRttMs * *rtt;
    }
  }
  return s;
}

std::vector<EdgeScore> rank_edges(const SteeringSet& set, const CompiledPool& pool,
                                  const Location& location, const net::Prefix& client,
                                  const LatencyMap* latency) {
  std::vector<EdgeScore> scores;
  scores.reserve(pool.edges.size());
  for (size_t i = 0; i < pool.edges.size(); ++i) {
    EdgeScore s = score_edge(set.edges[pool.edges[i]], location, client, latency);
    s.edge = uint16_t(i);
    scores.push_back(s);
  }
  order_scores(scores, set, pool, client);
  return scores;
}

Result<SteeringSet> compile_steering(const SteeringConfig& config, const GeoNetworks& geo,
                                     const LatencyMap* latency) {
  if (auto ok = check_config(config); !ok) return ok.error();
  SteeringSet set;
  set.edges = config.edges;
  std::unordered_map<std::string, uint32_t> edge_index;
  for (uint32_t i = 0; i < set.edges.size(); ++i) edge_index[set.edges[i].name] = i;
  for (const auto& p : config.pools) {
    CompiledPool cp;
    cp.name = p.name;
    cp.answers = uint16_t(p.answers);
    cp.ttl = uint32_t(p.ttl);
    cp.load_low = p.low;
    cp.load_high = p.high;
    cp.all_down = p.fallback.empty() ? AllDownPolicy::ServeAll : AllDownPolicy::Fallback;
    for (const auto& e : p.edges) cp.edges.push_back(edge_index.at(e));
    for (size_t i = 0; i < cp.edges.size(); ++i) cp.ranked_edges.push_back(uint16_t(i));
    cp.rankings.push_back({0, uint16_t(cp.edges.size()), false});  // kUnknownLocationRanking
    set.pools.push_back(std::move(cp));
  }
  for (size_t i = 0; i < config.pools.size(); ++i)
    if (!config.pools[i].fallback.empty())
      set.pools[i].fallback = set.pool_index(config.pools[i].fallback);

  const std::vector<GeoNetwork> networks = split_by_latency(geo, latency);
  const bool use_latency = latency != nullptr && !latency->empty();
  for (auto& pool : set.pools) {
    const size_t n = pool.edges.size();
    std::vector<double> distance(geo.locations.size() * n, -1);  // per location and edge
    std::unordered_map<std::string, uint32_t> interned;          // ranking bytes -> id
    std::vector<RankedPrefix> v4, v6;
    std::vector<EdgeScore> scores(n);
    std::string key;
    for (const auto& g : networks) {
      const Location& loc = geo.locations.at(g.location);
      uint32_t id = kUnknownLocationRanking;
      if (loc.has_coordinates) {
        for (size_t i = 0; i < n; ++i) {
          const Edge& edge = set.edges[pool.edges[i]];
          double& d = distance[g.location * n + i];
          if (d < 0) d = haversine_km(loc.latitude, loc.longitude, edge.latitude, edge.longitude);
          EdgeScore& s = scores[i];
          s = EdgeScore{};
          s.edge = uint16_t(i);
          s.distance_km = s.score = d;
          if (use_latency) {
            if (auto rtt = latency->rtt_ms(g.network, edge.name)) {
              s.rtt_ms = *rtt;
              s.score += kKmPerRttMs * *rtt;
            }
          }
        }
        order_scores(scores, set, pool, g.network);
        key.clear();
        for (const auto& s : scores) key.append(reinterpret_cast<const char*>(&s.edge), 2);
        auto [it, added] = interned.emplace(key, uint32_t(pool.rankings.size()));
        if (added) {
          pool.rankings.push_back({uint32_t(pool.ranked_edges.size()), uint16_t(n), true});
          for (const auto& s : scores) pool.ranked_edges.push_back(s.edge);
        }
        id = it->second;
      }
      (g.network.address.family == net::Family::V4 ? v4 : v6).push_back({g.network, id});
    }
    auto t4 = PrefixTable::build(net::Family::V4, std::move(v4), kUnknownLocationRanking);
    if (!t4) return Error("pool " + pool.name, t4.error().text());
    auto t6 = PrefixTable::build(net::Family::V6, std::move(v6), kUnknownLocationRanking);
    if (!t6) return Error("pool " + pool.name, t6.error().text());
    pool.ipv4 = std::move(*t4);
    pool.ipv6 = std::move(*t6);
  }
  return set;
}

PrefixTable::Match CompiledPool::lookup(const net::Address& client) const noexcept {
  if (client.family == net::Family::V4) return ipv4.lookup(client);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, client.bytes.begin())) {
    net::Address v4;
    v4.family = net::Family::V4;
    std::copy(client.bytes.begin() + 12, client.bytes.end(), v4.bytes.begin());
    PrefixTable::Match m = ipv4.lookup(v4);
    m.prefix_length = uint8_t(m.prefix_length + 96);
    return m;
  }
  return ipv6.lookup(client);
}

uint16_t SteeringSet::pool_index(std::string_view name) const noexcept {
  for (size_t i = 0; i < pools.size(); ++i)
    if (pools[i].name == name) return uint16_t(i);
  return kNoPool;
}

size_t SteeringSet::memory_bytes() const {
  size_t total = 0;
  for (const auto& p : pools)
    total += p.ipv4.memory_bytes() + p.ipv6.memory_bytes() +
             p.ranked_edges.capacity() * sizeof(uint16_t) + p.rankings.capacity() * sizeof(Ranking);
  return total;
}

}  // namespace cdn::dns
