// tests/unit/dns/steer/select_test.cc: tests dns/steer/select.cc: skipping, spillover with
// hysteresis, all-down policies, unknown locations and the explain trace.
#include "dns/steer/select.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/dns/steer/steer_fixtures.h"

namespace cdn::dns {
namespace {

using namespace test;
using Names = std::vector<std::string>;

constexpr Place kManchester{53.4808, -2.2426};

SteeringConfig config() {
  SteeringConfig c;
  c.edges = {edge("lon-a", kLondon), edge("par-a", kParis), edge("fra-a", kFrankfurt),
             edge("nyc-a", kNewYork)};
  c.pools = {pool("www", {"nyc-a", "fra-a", "par-a", "lon-a"}, 2)};
  c.pools[0].low = 0.7;
  c.pools[0].high = 0.9;
  return c;
}

GeoNetworks geo() {
  return GeoBuilder().add("81.2.69.0/24", kManchester).add("2001:db8::/32", kNewYork).get();
}

struct Fixture {
  SteeringSet set;
  SteeringStates states;
  explicit Fixture(const SteeringConfig& c = config()) : set(compile_or_fail(c, geo())) {
    states = initial_states(set);
  }
  void report(const char* edge, Availability a, double load = 0) {
    REQUIRE(report_edge(states, set, edge, a, load));
  }
  Selection steer_for(const char* client, const char* pool_name = "www") const {
    return steer(set, states, set.pool_index(pool_name), addr(client));
  }
  Names answer(const Selection& s) const { return names(set, set.pools[s.pool], s.chosen()); }
};

TEST_CASE("the nearest N serving edges answer") {
  Fixture f;
  auto s = f.steer_for("81.2.69.7");
  CHECK(f.answer(s) == Names{"lon-a", "par-a"});
  CHECK(s.reason == Reason::Nearest);
  CHECK(s.location_known);
  CHECK(s.prefix_length == 24);
  CHECK(s.fallbacks == 0);
}

TEST_CASE("a down or draining edge is skipped and the next one spills over") {
  Fixture f;
  SUBCASE("down") { f.report("lon-a", Availability::Down); }
  SUBCASE("drain") { f.report("lon-a", Availability::Drain); }
  SUBCASE("overloaded") { f.report("lon-a", Availability::Up, 0.95); }
  auto s = f.steer_for("81.2.69.7");
  CHECK(f.answer(s) == Names{"par-a", "fra-a"});
  CHECK(s.reason == Reason::Spillover);
}

TEST_CASE("a skipped edge below the answered ones is not a spillover") {
  Fixture f;
  f.report("nyc-a", Availability::Down);
  auto s = f.steer_for("81.2.69.7");
  CHECK(f.answer(s) == Names{"lon-a", "par-a"});
  CHECK(s.reason == Reason::Nearest);
}

TEST_CASE("an overloaded edge comes back only below the pool's low mark") {
  Fixture f;
  f.report("lon-a", Availability::Up, 0.9);  // at the high mark: serving
  CHECK(f.answer(f.steer_for("81.2.69.7"))[0] == "lon-a");
  f.report("lon-a", Availability::Up, 0.92);
  CHECK(f.answer(f.steer_for("81.2.69.7"))[0] == "par-a");
  f.report("lon-a", Availability::Up, 0.75);  // between the marks: still out
  CHECK(f.answer(f.steer_for("81.2.69.7"))[0] == "par-a");
  f.report("lon-a", Availability::Up, 0.65);
  CHECK(f.answer(f.steer_for("81.2.69.7"))[0] == "lon-a");
}

TEST_CASE("fewer serving edges than N gives what serves") {
  Fixture f;
  for (const char* e : {"lon-a", "par-a", "fra-a"}) f.report(e, Availability::Down);
  auto s = f.steer_for("81.2.69.7");
  CHECK(f.answer(s) == Names{"nyc-a"});
  CHECK(s.reason == Reason::Spillover);
}

TEST_CASE("with every edge down the serve-all policy answers every edge in rank order") {
  Fixture f;
  for (const char* e : {"lon-a", "par-a", "fra-a", "nyc-a"}) f.report(e, Availability::Down);
  auto s = f.steer_for("81.2.69.7");
  CHECK(f.answer(s) == Names{"lon-a", "par-a", "fra-a", "nyc-a"});
  CHECK(s.reason == Reason::AllDownServeAll);
}

SteeringConfig with_fallback() {
  SteeringConfig c = config();
  c.pools[0].edges = {"lon-a", "par-a"};
  c.pools[0].fallback = "backup";
  c.pools.push_back(pool("backup", {"nyc-a", "fra-a"}, 1));
  return c;
}

TEST_CASE("with every edge down the fallback policy answers from the fallback pool") {
  Fixture f(with_fallback());
  f.report("lon-a", Availability::Down);
  f.report("par-a", Availability::Drain);
  auto s = f.steer_for("81.2.69.7");
  CHECK(s.pool == f.set.pool_index("backup"));
  CHECK(f.answer(s) == Names{"fra-a"});
  CHECK(s.reason == Reason::AllDownFallback);
  CHECK(s.fallbacks == 1);
  CHECK(s.prefix_length == 24);
}

TEST_CASE("a fallback pool that is down too follows its own policy") {
  Fixture f(with_fallback());
  for (const char* e : {"lon-a", "par-a", "fra-a", "nyc-a"}) f.report(e, Availability::Down);
  auto s = f.steer_for("81.2.69.7");
  CHECK(s.pool == f.set.pool_index("backup"));
  CHECK(f.answer(s) == Names{"fra-a", "nyc-a"});
  CHECK(s.reason == Reason::AllDownServeAll);
}

TEST_CASE("a client of unknown location gets the configured order, flagged") {
  Fixture f;
  auto s = f.steer_for("203.0.113.9");
  CHECK(f.answer(s) == Names{"nyc-a", "fra-a"});
  CHECK(s.reason == Reason::UnknownLocation);
  CHECK_FALSE(s.location_known);
}

TEST_CASE("IPv6 and IPv4-mapped clients are steered") {
  Fixture f;
  CHECK(f.answer(f.steer_for("2001:db8::53")) == Names{"nyc-a", "lon-a"});
  auto mapped = f.steer_for("::ffff:81.2.69.7");
  CHECK(f.answer(mapped) == Names{"lon-a", "par-a"});
  CHECK(mapped.prefix_length == 96 + 24);
}

TEST_CASE("explain shows every candidate with its score parts and verdict") {
  Fixture f;
  f.report("lon-a", Availability::Up, 0.95);
  f.report("fra-a", Availability::Drain);
  Location manchester{true, kManchester.latitude, kManchester.longitude, "GB", "EU"};
  auto trace = std::make_unique<SelectionTrace>();
  auto s = explain(f.set, f.states, f.set.pool_index("www"), addr("81.2.69.7"), &manchester,
                   nullptr, *trace);
  // The same decision as the query path.
  auto plain = f.steer_for("81.2.69.7");
  CHECK(f.answer(s) == f.answer(plain));
  CHECK(s.reason == plain.reason);
  CHECK(f.answer(s) == Names{"par-a", "nyc-a"});

  REQUIRE(trace->pool_count == 1);
  CHECK(trace->pools[0].network == net("81.2.69.0/24"));
  CHECK(trace->pools[0].location_known);
  REQUIRE(trace->candidate_count == 4);
  const CandidateTrace* c = trace->candidates.data();
  CHECK(names(f.set, f.set.pools[0],
              std::vector<uint16_t>{c[0].edge, c[1].edge, c[2].edge, c[3].edge}) ==
        Names{"lon-a", "par-a", "fra-a", "nyc-a"});
  CHECK(c[0].verdict == Verdict::SkippedOverloaded);
  CHECK(c[0].overloaded);
  CHECK(c[0].load == doctest::Approx(0.95));
  CHECK(c[1].verdict == Verdict::Chosen);
  CHECK(c[2].verdict == Verdict::SkippedDrain);
  CHECK(c[2].availability == Availability::Drain);
  CHECK(c[3].verdict == Verdict::Chosen);
  for (size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(c[i].scored);
    CHECK(c[i].score.rtt_ms < 0);
    CHECK(c[i].score.score == c[i].score.distance_km);
    if (i > 0) CHECK(c[i].score.score >= c[i - 1].score.score);
  }
  CHECK(c[0].score.distance_km == doctest::Approx(262).epsilon(0.01));  // Manchester - London
  CHECK(reason_text(s.reason) == "spillover");
  CHECK(verdict_text(c[2].verdict) == "skipped: draining");
}

TEST_CASE("explain without a location shows verdicts only") {
  Fixture f;
  SelectionTrace trace;
  auto s = explain(f.set, f.states, 0, addr("203.0.113.9"), nullptr, nullptr, trace);
  CHECK(s.reason == Reason::UnknownLocation);
  REQUIRE(trace.candidate_count == 4);
  CHECK_FALSE(trace.candidates[0].scored);
  CHECK(trace.candidates[0].verdict == Verdict::Chosen);
  CHECK(trace.candidates[2].verdict == Verdict::NotNeeded);
}

TEST_CASE("the query path neither throws nor needs a trace") {
  Fixture f;
  static_assert(noexcept(steer(f.set, f.states, 0, net::Address{}, nullptr)));
  CHECK(steer(f.set, f.states, 0, addr("81.2.69.7")).count == 2);
}

TEST_CASE("states made for another version of the set count as all up") {
  Fixture f;
  SteeringStates stale;  // no pools at all
  auto s = steer(f.set, stale, 0, addr("81.2.69.7"));
  CHECK(f.answer(s) == Names{"lon-a", "par-a"});
  stale.pools.assign(1, std::vector<EdgeState>(2));  // the wrong number of edges
  CHECK(steer(f.set, stale, 0, addr("81.2.69.7")).count == 2);
}

TEST_CASE("a report for an unknown edge is refused") {
  Fixture f;
  CHECK_FALSE(report_edge(f.states, f.set, "ams-a", Availability::Down, 0));
}

}  // namespace
}  // namespace cdn::dns
