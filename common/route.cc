#include "common/route.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace cdn::routing {
namespace {

// Splits "a:b[:c]" into exactly `parts` unsigned decimal numbers no larger than `max`.
bool split_numbers(std::string_view text, size_t parts, uint32_t max, uint32_t* out) {
  for (size_t i = 0; i < parts; ++i) {
    auto colon = i + 1 < parts ? text.find(':') : text.size();
    if (colon == std::string_view::npos) return false;
    std::string_view part = text.substr(0, colon);
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || v > max)
      return false;
    out[i] = uint32_t(v);
    text = colon < text.size() ? text.substr(colon + 1) : std::string_view();
  }
  return true;
}

std::string at(const std::string& base, size_t index) {
  return base + "[" + std::to_string(index) + "]";
}

Result<uint32_t> read_u32(const control::Json& value, const std::string& where) {
  if (!value.is_number_unsigned() || value.get<uint64_t>() > UINT32_MAX)
    return Error(where, "expected an unsigned 32-bit number, got " + value.dump());
  return uint32_t(value.get<uint64_t>());
}

Result<std::string> read_string(const control::Json& value, const std::string& where) {
  if (!value.is_string()) return Error(where, "expected a string, got " + value.dump());
  return value.get<std::string>();
}

}  // namespace

std::string Community::text() const { return std::to_string(asn) + ":" + std::to_string(value); }

std::string LargeCommunity::text() const {
  return std::to_string(global) + ":" + std::to_string(local1) + ":" + std::to_string(local2);
}

Result<Community> parse_community(std::string_view text) {
  uint32_t v[2];
  if (!split_numbers(text, 2, UINT16_MAX, v))
    return Error(std::string(text), "expected a community ASN:VALUE, each 0 to 65535");
  return Community{uint16_t(v[0]), uint16_t(v[1])};
}

Result<LargeCommunity> parse_large_community(std::string_view text) {
  uint32_t v[3];
  if (!split_numbers(text, 3, UINT32_MAX, v))
    return Error(std::string(text),
                 "expected a large community GLOBAL:LOCAL1:LOCAL2, each 0 to 4294967295");
  return LargeCommunity{v[0], v[1], v[2]};
}

Status check_route(const Route& route) {
  std::string where = route.prefix.text();
  if (route.next_hop.family != route.prefix.family())
    return Error(where, "next hop " + route.next_hop.text() + " is not of the prefix's family");
  if (route.next_hop.is_unspecified())
    return Error(where, "next hop " + route.next_hop.text() + " is unspecified");
  if (route.next_hop.is_v4_mapped())
    return Error(where, "next hop " + route.next_hop.text() +
                            " is IPv4-mapped (sent as 4 bytes, peers reject it for IPv6)");
  if (route.prepend > kMaxPrepend)
    return Error(where, "prepend " + std::to_string(route.prepend) + " is more than " +
                            std::to_string(kMaxPrepend));
  if (route.prepend > 0 && !route.as_path.empty())
    return Error(where, "prepend and an explicit AS path are exclusive");
  for (uint32_t asn : route.as_path)
    if (asn == 0) return Error(where, "AS 0 in the AS path");
  return Ok{};
}

RouteDiff diff(const RouteSet& from, const RouteSet& to) {
  RouteDiff out;
  for (const auto& [prefix, route] : from.routes)
    if (!to.routes.count(prefix)) out.withdraw.push_back(prefix);
  for (const auto& [prefix, route] : to.routes) {
    auto old = from.routes.find(prefix);
    if (old == from.routes.end() || !(old->second == route)) out.announce.push_back(route);
  }
  return out;
}

void apply(RouteSet& set, const RouteDiff& change) {
  for (const auto& prefix : change.withdraw) set.routes.erase(prefix);
  for (const auto& route : change.announce) set.routes.insert_or_assign(route.prefix, route);
}

control::Json to_json(const Route& route) {
  control::Json j = {{"prefix", route.prefix.text()}, {"next_hop", route.next_hop.text()}};
  if (route.med) j["med"] = *route.med;
  if (!route.communities.empty()) {
    auto& list = j["communities"] = control::Json::array();
    for (const auto& c : route.communities) list.push_back(c.text());
  }
  if (!route.large_communities.empty()) {
    auto& list = j["large_communities"] = control::Json::array();
    for (const auto& c : route.large_communities) list.push_back(c.text());
  }
  if (route.prepend > 0) j["prepend"] = route.prepend;
  if (!route.as_path.empty()) j["as_path"] = route.as_path;
  return j;
}

control::Json to_json(const RouteSet& set) {
  control::Json routes = control::Json::array();
  for (const auto& [prefix, route] : set.routes) routes.push_back(to_json(route));
  return {{"routes", std::move(routes)}};
}

control::Json to_json(const RouteDiff& change) {
  control::Json announce = control::Json::array();
  for (const auto& route : change.announce) announce.push_back(to_json(route));
  control::Json withdraw = control::Json::array();
  for (const auto& prefix : change.withdraw) withdraw.push_back(prefix.text());
  return {{"announce", std::move(announce)}, {"withdraw", std::move(withdraw)}};
}

namespace {

Result<Route> decode_route(const control::Json& j, const std::string& where) {
  if (!j.is_object()) return Error(where, "expected an object, got " + j.dump());
  for (const auto& [key, value] : j.items()) {
    if (key != "prefix" && key != "next_hop" && key != "med" && key != "communities" &&
        key != "large_communities" && key != "prepend" && key != "as_path")
      return Error(where + "." + key, "unknown field");
  }
  Route route;
  if (!j.contains("prefix")) return Error(where + ".prefix", "missing");
  auto prefix_text = read_string(j.at("prefix"), where + ".prefix");
  if (!prefix_text) return prefix_text.error();
  auto prefix = net::parse_prefix(*prefix_text);
  if (!prefix) return Error(where + ".prefix", prefix.error().text());
  route.prefix = *prefix;

  if (!j.contains("next_hop")) return Error(where + ".next_hop", "missing");
  auto hop_text = read_string(j.at("next_hop"), where + ".next_hop");
  if (!hop_text) return hop_text.error();
  auto hop = net::parse_address(*hop_text);
  if (!hop) return Error(where + ".next_hop", hop.error().text());
  route.next_hop = *hop;

  if (j.contains("med")) {
    auto med = read_u32(j.at("med"), where + ".med");
    if (!med) return med.error();
    route.med = *med;
  }
  if (j.contains("communities")) {
    const auto& list = j.at("communities");
    if (!list.is_array()) return Error(where + ".communities", "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      auto text = read_string(list[i], at(where + ".communities", i));
      if (!text) return text.error();
      auto c = parse_community(*text);
      if (!c) return Error(at(where + ".communities", i), c.error().text());
      route.communities.push_back(*c);
    }
  }
  if (j.contains("large_communities")) {
    const auto& list = j.at("large_communities");
    if (!list.is_array()) return Error(where + ".large_communities", "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      auto text = read_string(list[i], at(where + ".large_communities", i));
      if (!text) return text.error();
      auto c = parse_large_community(*text);
      if (!c) return Error(at(where + ".large_communities", i), c.error().text());
      route.large_communities.push_back(*c);
    }
  }
  if (j.contains("prepend")) {
    auto prepend = read_u32(j.at("prepend"), where + ".prepend");
    if (!prepend) return prepend.error();
    route.prepend = *prepend;
  }
  if (j.contains("as_path")) {
    const auto& list = j.at("as_path");
    if (!list.is_array()) return Error(where + ".as_path", "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      auto asn = read_u32(list[i], at(where + ".as_path", i));
      if (!asn) return asn.error();
      route.as_path.push_back(*asn);
    }
  }
  auto checked = check_route(route);
  if (!checked) return Error(where, checked.error().text());
  return route;
}

Result<std::vector<Route>> decode_routes(const control::Json& j, const std::string& key) {
  std::vector<Route> out;
  if (!j.contains(key)) return out;
  const auto& list = j.at(key);
  if (!list.is_array()) return Error(key, "expected an array");
  for (size_t i = 0; i < list.size(); ++i) {
    auto route = decode_route(list[i], at(key, i));
    if (!route) return route.error();
    out.push_back(std::move(*route));
  }
  return out;
}

}  // namespace

Result<Route> route_from_json(const control::Json& json) { return decode_route(json, "route"); }

Result<RouteSet> route_set_from_json(const control::Json& json) {
  if (!json.is_object() || !json.contains("routes"))
    return Error("routes", "expected an object with a \"routes\" array");
  auto routes = decode_routes(json, "routes");
  if (!routes) return routes.error();
  RouteSet set;
  for (size_t i = 0; i < routes->size(); ++i) {
    auto& route = (*routes)[i];
    auto prefix = route.prefix;
    if (!set.routes.emplace(prefix, std::move(route)).second)
      return Error(at("routes", i), "second route for " + prefix.text());
  }
  return set;
}

Result<RouteDiff> route_diff_from_json(const control::Json& json) {
  if (!json.is_object()) return Error("", "expected an object with \"announce\" and \"withdraw\"");
  RouteDiff change;
  auto announce = decode_routes(json, "announce");
  if (!announce) return announce.error();
  change.announce = std::move(*announce);
  if (json.contains("withdraw")) {
    const auto& list = json.at("withdraw");
    if (!list.is_array()) return Error("withdraw", "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      auto text = read_string(list[i], at("withdraw", i));
      if (!text) return text.error();
      auto prefix = net::parse_prefix(*text);
      if (!prefix) return Error(at("withdraw", i), prefix.error().text());
      change.withdraw.push_back(*prefix);
    }
  }
  return change;
}

}  // namespace cdn::routing
