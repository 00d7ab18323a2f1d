// tests/unit/bgp/route_test.cc: tests common/route.cc, the route set healthd sends the bridge
// (kept with the bgp tests until common gets a folder for it).
#include "common/route.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace cdn::routing {
namespace {

using control::Json;

Route route(const std::string& prefix, const std::string& next_hop) {
  Route r;
  r.prefix = net::parse_prefix(prefix).value();
  r.next_hop = net::parse_address(next_hop).value();
  return r;
}

std::string decode_error(const std::string& json_text) {
  auto set = route_set_from_json(Json::parse(json_text));
  REQUIRE_MESSAGE(!set, json_text);
  return set.error().text();
}

TEST_CASE("communities and large communities parse and print as ASN:VALUE") {
  CHECK(parse_community("65000:1")->text() == "65000:1");
  CHECK(*parse_community("65535:0") == kGracefulShutdown);
  CHECK_FALSE(parse_community("65536:1"));
  CHECK_FALSE(parse_community("65000"));
  CHECK_FALSE(parse_community("65000:1:2"));
  CHECK_FALSE(parse_community("a:b"));
  CHECK(parse_community("1:x").error().text() ==
        "1:x: expected a community ASN:VALUE, each 0 to 65535");
  CHECK(parse_large_community("4200000000:1:2")->text() == "4200000000:1:2");
  CHECK_FALSE(parse_large_community("4294967296:1:2"));
  CHECK_FALSE(parse_large_community("65000:1"));
  CHECK_FALSE(parse_large_community("65000:1:2:3"));
  CHECK_FALSE(parse_large_community("65000::2"));
}

TEST_CASE("a route set survives the JSON round trip with every attribute") {
  RouteSet set;
  Route v4 = route("192.0.2.0/24", "198.51.100.1");
  v4.med = 100;
  v4.communities = {{65000, 1}, kGracefulShutdown};
  v4.large_communities = {{65000, 1, 2}};
  v4.prepend = 2;
  Route v6 = route("2001:db8:53::/48", "2001:db8::1");
  v6.as_path = {64510, 65001};
  set.routes.emplace(v4.prefix, v4);
  set.routes.emplace(v6.prefix, v6);

  Json json = to_json(set);
  CHECK(json.dump() ==
        R"({"routes":[{"communities":["65000:1","65535:0"],"large_communities":["65000:1:2"],)"
        R"("med":100,"next_hop":"198.51.100.1","prefix":"192.0.2.0/24","prepend":2},)"
        R"({"as_path":[64510,65001],"next_hop":"2001:db8::1","prefix":"2001:db8:53::/48"}]})");
  auto back = route_set_from_json(json);
  REQUIRE(back);
  CHECK(*back == set);
}

TEST_CASE("a route diff survives the JSON round trip") {
  RouteDiff change;
  change.announce.push_back(route("203.0.113.53/32", "192.0.2.2"));
  change.withdraw.push_back(net::parse_prefix("2001:db8:53::53/128").value());
  Json json = to_json(change);
  CHECK(json.dump() == R"({"announce":[{"next_hop":"192.0.2.2","prefix":"203.0.113.53/32"}],)"
                       R"("withdraw":["2001:db8:53::53/128"]})");
  auto back = route_diff_from_json(json);
  REQUIRE(back);
  CHECK(*back == change);
}

TEST_CASE("decoding errors name the JSON path and the input") {
  CHECK(decode_error(R"({"routes":[{"prefix":"192.0.2.1/24","next_hop":"198.51.100.1"}]})") ==
        "routes[0].prefix: 192.0.2.1/24: host bits set after /24; the network is 192.0.2.0/24");
  CHECK(decode_error(R"({"routes":[{"prefix":"192.0.2.0/24"}]})") == "routes[0].next_hop: missing");
  CHECK(decode_error(
            R"({"routes":[{"prefix":"192.0.2.0/24","next_hop":"198.51.100.1","med":-1}]})") ==
        "routes[0].med: expected an unsigned 32-bit number, got -1");
  CHECK(
      decode_error(
          R"({"routes":[{"prefix":"192.0.2.0/24","next_hop":"198.51.100.1","communities":["1:2","x"]}]})") ==
      "routes[0].communities[1]: x: expected a community ASN:VALUE, each 0 to 65535");
  CHECK(decode_error(
            R"({"routes":[{"prefix":"192.0.2.0/24","next_hop":"198.51.100.1","colour":1}]})") ==
        "routes[0].colour: unknown field");
  CHECK(decode_error(R"({"routes":[{"prefix":"192.0.2.0/24","next_hop":"198.51.100.1"},)"
                     R"({"prefix":"192.0.2.0/24","next_hop":"198.51.100.2"}]})") ==
        "routes[1]: second route for 192.0.2.0/24");
  CHECK(decode_error(R"({"rutes":[]})") == "routes: expected an object with a \"routes\" array");
  CHECK(decode_error(R"({"routes":[{"prefix":"2001:db8::/32","next_hop":"192.0.2.1"}]})") ==
        "routes[0]: 2001:db8::/32: next hop 192.0.2.1 is not of the prefix's family");
}

TEST_CASE("routes need a next hop of their own family that is neither unspecified nor mapped") {
  CHECK(check_route(route("192.0.2.0/24", "198.51.100.1")));
  CHECK(check_route(route("2001:db8::/32", "fe80::1")));
  CHECK(check_route(route("2001:db8::/32", "0.0.0.0")).error().text() ==
        "2001:db8::/32: next hop 0.0.0.0 is not of the prefix's family");
  CHECK(check_route(route("2001:db8::/32", "::")).error().text() ==
        "2001:db8::/32: next hop :: is unspecified");
  CHECK(
      check_route(route("2001:db8::/32", "::ffff:192.0.2.6")).error().text().find("IPv4-mapped") !=
      std::string::npos);
}

TEST_CASE("prepend and an explicit AS path are exclusive and bounded") {
  Route r = route("192.0.2.0/24", "198.51.100.1");
  r.prepend = kMaxPrepend + 1;
  CHECK(check_route(r).error().text() == "192.0.2.0/24: prepend 17 is more than 16");
  r.prepend = 2;
  r.as_path = {64510};
  CHECK(check_route(r).error().text() ==
        "192.0.2.0/24: prepend and an explicit AS path are exclusive");
  r.prepend = 0;
  r.as_path = {64510, 0};
  CHECK(check_route(r).error().text() == "192.0.2.0/24: AS 0 in the AS path");
}

TEST_CASE("diff announces new and changed routes and withdraws missing ones and apply replays it") {
  RouteSet from, to;
  Route same = route("192.0.2.0/24", "198.51.100.1");
  Route changed = route("198.51.100.0/24", "198.51.100.1");
  Route gone = route("203.0.113.0/24", "198.51.100.1");
  Route added = route("2001:db8::/32", "2001:db8::1");
  from.routes = {{same.prefix, same}, {changed.prefix, changed}, {gone.prefix, gone}};
  Route drained = changed;
  drained.prepend = 3;
  drained.communities = {kGracefulShutdown};
  to.routes = {{same.prefix, same}, {drained.prefix, drained}, {added.prefix, added}};

  RouteDiff d = diff(from, to);
  CHECK(d.withdraw == std::vector<net::Prefix>{gone.prefix});
  CHECK(d.announce == std::vector<Route>{drained, added});
  apply(from, d);
  CHECK(from == to);
  CHECK(diff(to, to).empty());
}

}  // namespace
}  // namespace cdn::routing
