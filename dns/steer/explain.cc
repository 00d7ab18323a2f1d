#include "dns/steer/explain.h"

#include <nlohmann/json.hpp>
#include <string>

#include "dns/steer/ecs.h"

namespace cdn::dns {
namespace {

// "www.Example.com" -> lower-cased wire name.
Result<std::vector<uint8_t>> wire_of(std::string_view text) {
  std::vector<uint8_t> wire;
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  size_t start = 0;
  while (!text.empty() && start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    if (dot == start || dot - start > kMaxLabelLength)
      return Error(std::string(text), "not a host name");
    wire.push_back(uint8_t(dot - start));
    for (size_t i = start; i < dot; ++i) wire.push_back(ascii_lower(uint8_t(text[i])));
    start = dot + 1;
  }
  wire.push_back(0);
  if (wire.size() > kMaxNameLength) return Error(std::string(text), "name too long");
  return wire;
}

}  // namespace

Result<control::Json> explain_json(const ServedSteering& steering, const SteeringStates& states,
                                   std::string_view name, std::string_view client,
                                   std::string_view ecs) {
  auto wire = wire_of(name);
  if (!wire) return wire.error();
  uint8_t labels[kMaxLabels];
  uint32_t hashes[kMaxLabels + 1];
  size_t n = 0;
  for (size_t i = 0; (*wire)[i] != 0; i += (*wire)[i] + 1) labels[n++] = uint8_t(i);
  suffix_hashes(wire->data(), labels, n, hashes);
  int index = steering.find(NameView{wire->data(), wire->size(), labels, n, hashes});
  if (index < 0) return Error(std::string(name), "not a steered name");

  auto resolver = net::parse_address(client);
  if (!resolver) return Error("--client", resolver.error().text());
  ClientSubnet subnet;
  bool has_ecs = !ecs.empty();
  if (has_ecs) {
    auto network = net::parse_prefix(ecs);
    if (!network) return Error("--ecs", network.error().text());
    subnet.family = network->address.family == net::Family::V4 ? 1 : 2;
    subnet.source_prefix = network->length;
    std::copy(network->address.bytes.begin(),
              network->address.bytes.begin() + (network->length + 7) / 8, subnet.address);
  }
  SteeringClient who = steering_client(has_ecs ? &subnet : nullptr, *resolver);
  uint16_t pool = steering.name_pools[size_t(index)];

  Location location;
  bool located = false;
  if (steering.geo) {
    auto found = steering.geo->lookup(who.address);
    if (found && found->found) {
      location = found->location;
      located = location.has_coordinates;
    }
  }
  SelectionTrace trace;
  Selection sel = explain(steering.set, states, pool, who.address, located ? &location : nullptr,
                          steering.latency.empty() ? nullptr : &steering.latency, trace);

  control::Json out = control::ok_reply();
  out["name"] = std::string(name);
  out["pool"] = steering.set.pools[pool].name;
  out["client"] = {{"address", who.address.text()},
                   {"from_ecs", who.from_ecs},
                   {"source_prefix", who.source_prefix}};
  out["location"] = located ? control::Json{{"latitude", location.latitude},
                                            {"longitude", location.longitude},
                                            {"country", location.country},
                                            {"continent", location.continent}}
                            : control::Json(nullptr);
  control::Json pools = control::Json::array();
  for (size_t i = 0; i < trace.pool_count; ++i) {
    const PoolTrace& p = trace.pools[i];
    pools.push_back({{"pool", steering.set.pools[p.pool].name},
                     {"network", p.network.text()},
                     {"location_known", p.location_known}});
  }
  out["networks"] = pools;
  out["scope"] = has_ecs ? ecs_scope(who, sel.prefix_length) : 0;
  out["reason"] = std::string(reason_text(sel.reason));
  control::Json answers = control::Json::array();
  const CompiledPool& answered = steering.set.pools[sel.pool];
  for (uint16_t e : sel.chosen()) {
    const Edge& edge = steering.set.edges[answered.edges[e]];
    control::Json addresses = control::Json::array();
    if (edge.ipv4) addresses.push_back(edge.ipv4->text());
    if (edge.ipv6) addresses.push_back(edge.ipv6->text());
    answers.push_back({{"edge", edge.name}, {"addresses", addresses}});
  }
  out["answer"] = answers;
  control::Json candidates = control::Json::array();
  for (size_t i = 0; i < trace.candidate_count; ++i) {
    const CandidateTrace& c = trace.candidates[i];
    const CompiledPool& cp = steering.set.pools[c.pool];
    control::Json row = {{"pool", cp.name},
                         {"edge", steering.set.edges[cp.edges[c.edge]].name},
                         {"rank", c.rank + 1},
                         {"state", std::string(availability_text(c.availability))},
                         {"load", c.load},
                         {"overloaded", c.overloaded},
                         {"verdict", std::string(verdict_text(c.verdict))}};
    if (c.scored) {
      row["distance_km"] = c.score.distance_km;
      row["rtt_ms"] = c.score.rtt_ms < 0 ? control::Json(nullptr) : control::Json(c.score.rtt_ms);
      row["score"] = c.score.score;
    }
    candidates.push_back(row);
  }
  out["candidates"] = candidates;
  return out;
}

}  // namespace cdn::dns
