// tests/unit/dns/steer/compile_test.cc: tests dns/steer/compile.cc: distances, ranking,
// latency, tie spreading, merging into prefixes and config checks.
#include "dns/steer/compile.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/unit/dns/steer/steer_fixtures.h"

namespace cdn::dns {
namespace {

using namespace test;
using Names = std::vector<std::string>;

SteeringConfig four_sites() {
  SteeringConfig c;
  c.edges = {edge("lon-a", kLondon), edge("fra-a", kFrankfurt), edge("nyc-a", kNewYork),
             edge("sin-a", kSingapore)};
  c.pools = {pool("www", {"sin-a", "nyc-a", "fra-a", "lon-a"})};
  return c;
}

TEST_CASE("haversine gives the known great-circle distances") {
  CHECK(haversine_km(kLondon.latitude, kLondon.longitude, kNewYork.latitude, kNewYork.longitude) ==
        doctest::Approx(5570).epsilon(0.002));
  CHECK(haversine_km(kParis.latitude, kParis.longitude, 52.5200, 13.4050) ==
        doctest::Approx(878).epsilon(0.003));  // Paris - Berlin
  CHECK(haversine_km(kParis.latitude, kParis.longitude, kParis.latitude, kParis.longitude) == 0);
  CHECK(haversine_km(90, 0, -90, 0) == doctest::Approx(20015.1).epsilon(0.0005));  // pole to pole
  CHECK(haversine_km(0, 179.5, 0, -179.5) == doctest::Approx(111.2).epsilon(0.002));  // date line
}

TEST_CASE("edges are ranked by distance from the client network") {
  auto set = compile_or_fail(four_sites(), GeoBuilder()
                                               .add("81.2.69.0/24", kParis)
                                               .add("12.0.0.0/16", kNewYork)
                                               .add("2001:db8::/32", kSingapore)
                                               .get());
  CHECK(ranking_at(set, "www", "81.2.69.7") == Names{"lon-a", "fra-a", "nyc-a", "sin-a"});
  CHECK(ranking_at(set, "www", "12.0.3.4") == Names{"nyc-a", "lon-a", "fra-a", "sin-a"});
  CHECK(ranking_at(set, "www", "2001:db8::1") == Names{"sin-a", "fra-a", "lon-a", "nyc-a"});
}

TEST_CASE("a network without coordinates or outside the database gets the configured order") {
  auto set = compile_or_fail(
      four_sites(),
      GeoBuilder().add("81.2.69.0/24", kParis).add_without_coordinates("198.51.100.0/24").get());
  const CompiledPool& www = set.pools[0];
  for (const char* client : {"198.51.100.1", "203.0.113.9", "2001:db8::1"}) {
    CAPTURE(client);
    auto match = www.lookup(addr(client));
    CHECK(match.ranking == kUnknownLocationRanking);
    CHECK_FALSE(www.rankings[match.ranking].location_known);
    CHECK(ranking_at(set, "www", client) == Names{"sin-a", "nyc-a", "fra-a", "lon-a"});
  }
  CHECK(www.rankings[www.lookup(addr("81.2.69.1")).ranking].location_known);
}

TEST_CASE("adjacent /16s with the same ranking merge into a /15") {
  auto set = compile_or_fail(
      four_sites(), GeoBuilder().add("10.0.0.0/16", kParis).add("10.1.0.0/16", kParis).get());
  auto match = set.pools[0].lookup(addr("10.1.200.1"));
  CHECK(match.prefix_length == 15);
  CHECK(set.pools[0].lookup(addr("10.0.0.0")).prefix_length == 15);
  CHECK(set.pools[0].lookup(addr("10.0.0.0")).ranking == match.ranking);
}

TEST_CASE("adjacent /16s with different rankings stay /16s") {
  auto set = compile_or_fail(
      four_sites(), GeoBuilder().add("10.0.0.0/16", kParis).add("10.1.0.0/16", kNewYork).get());
  auto a = set.pools[0].lookup(addr("10.0.255.255"));
  auto b = set.pools[0].lookup(addr("10.1.0.0"));
  CHECK(a.prefix_length == 16);
  CHECK(b.prefix_length == 16);
  CHECK(a.ranking != b.ranking);
}

TEST_CASE("adjacent networks that are not siblings do not merge even with the same ranking") {
  auto set = compile_or_fail(
      four_sites(), GeoBuilder().add("10.1.0.0/16", kParis).add("10.2.0.0/16", kParis).get());
  CHECK(set.pools[0].lookup(addr("10.1.0.1")).prefix_length == 16);
  CHECK(set.pools[0].lookup(addr("10.2.0.1")).prefix_length == 16);
}

TEST_CASE("a measured RTT adds 100 km per ms and splits the network around its prefix") {
  SteeringConfig c;
  c.edges = {edge("lon-a", kLondon), edge("fra-a", kFrankfurt)};
  c.pools = {pool("www", {"lon-a", "fra-a"})};
  LatencyMap latency;
  latency.set(net("10.0.7.0/24"), "lon-a", 5.0);  // +500 km: Frankfurt wins from Paris
  auto set = compile_or_fail(c, GeoBuilder().add("10.0.0.0/16", kParis).get(), &latency);
  const CompiledPool& www = set.pools[0];
  CHECK(ranking_at(set, "www", "10.0.7.9") == Names{"fra-a", "lon-a"});
  CHECK(www.lookup(addr("10.0.7.9")).prefix_length == 24);
  CHECK(ranking_at(set, "www", "10.0.6.9") == Names{"lon-a", "fra-a"});
  CHECK(www.lookup(addr("10.0.6.9")).prefix_length == 24);    // the sibling of 10.0.7.0/24
  CHECK(www.lookup(addr("10.0.200.1")).prefix_length == 17);  // 10.0.128.0/17
  CHECK(www.lookup(addr("10.0.0.1")).prefix_length == 22);    // 10.0.0.0/22

  auto scored = score_edge(set.edges[0], Location{true, kParis.latitude, kParis.longitude, "", ""},
                           net("10.0.7.0/24"), &latency);
  CHECK(scored.rtt_ms == 5.0);
  CHECK(scored.score == doctest::Approx(scored.distance_km + 500));
}

TEST_CASE("an RTT that does not change the order leaves the network whole") {
  SteeringConfig c;
  c.edges = {edge("lon-a", kLondon), edge("fra-a", kFrankfurt)};
  c.pools = {pool("www", {"lon-a", "fra-a"})};
  LatencyMap latency;
  latency.set(net("10.0.7.0/24"), "lon-a", 0.1);
  auto set = compile_or_fail(c, GeoBuilder().add("10.0.0.0/16", kParis).get(), &latency);
  CHECK(set.pools[0].lookup(addr("10.0.7.9")).prefix_length == 16);
}

TEST_CASE("ties at one site are spread by weight and fixed per client network") {
  SteeringConfig c;
  c.edges = {edge("fra-a", kFrankfurt, 3), edge("fra-b", kFrankfurt, 1), edge("nyc-a", kNewYork)};
  c.pools = {pool("www", {"nyc-a", "fra-a", "fra-b"})};
  GeoBuilder geo;
  for (int i = 0; i < 2000; ++i)
    geo.add("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24", kParis);
  auto set = compile_or_fail(c, geo.get());
  auto again = compile_or_fail(c, geo.get());
  std::map<std::string, int> first;
  for (int i = 0; i < 2000; ++i) {
    const std::string client =
        "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1";
    auto order = ranking_at(set, "www", client);
    REQUIRE(order.size() == 3);
    CHECK(order[2] == "nyc-a");  // a tie is only broken among the tied
    CHECK(order == ranking_at(again, "www", client));
    first[order[0]]++;
  }
  // Weight 3 against 1: about three quarters first.
  CHECK(first["fra-a"] > 1350);
  CHECK(first["fra-a"] < 1650);
  CHECK(first["fra-a"] + first["fra-b"] == 2000);

  // rank_edges gives the compiler's order for one network.
  Location paris{true, kParis.latitude, kParis.longitude, "FR", "EU"};
  auto ranked = rank_edges(set, set.pools[0], paris, net("10.0.5.0/24"), nullptr);
  CHECK(names(set, set.pools[0],
              std::vector<uint16_t>{ranked[0].edge, ranked[1].edge, ranked[2].edge}) ==
        ranking_at(set, "www", "10.0.5.1"));
}

TEST_CASE("a bad config is refused with the pool or edge named") {
  SteeringConfig c = four_sites();
  SUBCASE("unknown edge") {
    c.pools[0].edges.push_back("ams-a");
    auto r = compile_steering(c, GeoNetworks{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().text() == "pool www: unknown edge ams-a");
  }
  SUBCASE("fallback to a missing pool") {
    c.pools[0].fallback = "backup";
    auto r = compile_steering(c, GeoNetworks{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().text() == "pool www: unknown fallback pool 'backup'");
  }
  SUBCASE("fallback loop") {
    c.pools.push_back(pool("backup", {"lon-a"}));
    c.pools[0].fallback = "backup";
    c.pools[1].fallback = "www";
    auto r = compile_steering(c, GeoNetworks{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().where == "pool www");
  }
  SUBCASE("marks the wrong way round") {
    c.pools[0].low = 0.9;
    c.pools[0].high = 0.5;
    CHECK_FALSE(compile_steering(c, GeoNetworks{}).has_value());
  }
  SUBCASE("an edge defined twice") {
    c.edges.push_back(edge("lon-a", kLondon));
    CHECK(compile_steering(c, GeoNetworks{}).error().text() == "edge lon-a: defined twice");
  }
}

}  // namespace
}  // namespace cdn::dns
