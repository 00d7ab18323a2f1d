// tests/unit/healthd/planner_test.cc: tests healthd/planner.cc: services -> prefix states ->
// routes, the shared-dependency rule, the re-announce delay, damping and drains.
#include "healthd/planner.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

namespace cdn::health {
namespace {

using namespace std::chrono_literals;
using States = std::map<std::string, State>;

constexpr int64_t kNow = 1'800'000'000;  // wall clock for drains
const std::map<std::string, std::string> kNoReasons;

health::CheckSpec check(const std::string& name) {
  health::CheckSpec c;
  c.name = name;
  c.kind = CheckKind::Tcp;
  c.target = "127.0.0.1:53";
  return c;
}

// A PoP: a DNS /32 bound to the local service "dns" and the shared service "origin"; a /24
// bound to "dns" only.
store::HealthConfig pop() {
  store::HealthConfig cfg;
  cfg.checks = {check("dnsd"), check("disk"), check("origin")};
  cfg.services = {{"dns", {"dnsd", "disk"}, false}, {"origin", {"origin"}, true}};
  store::AnycastPrefix p;
  p.prefix = "203.0.113.53/32";
  p.next_hop = "192.0.2.2";
  p.services = {"dns", "origin"};
  p.communities = {"64510:1"};
  p.med = 10;
  store::AnycastPrefix q;
  q.prefix = "198.51.100.0/24";
  q.next_hop = "192.0.2.2";
  q.services = {"dns"};
  cfg.prefixes = {p, q};
  cfg.bgp.local_as = 64510;
  cfg.bgp.reannounce_delay_ms = 10'000;
  cfg.bgp.drain_prepend = 3;
  return cfg;
}

const States kAllUp{{"dnsd", State::Up}, {"disk", State::Up}, {"origin", State::Up}};

const PrefixStatus& status_of(const Plan& plan, const std::string& prefix) {
  for (const auto& p : plan.prefixes) {
    if (p.prefix == prefix) return p;
  }
  FAIL("no status for " << prefix);
  return plan.prefixes.front();
}

bool announces(const Plan& plan, const std::string& prefix) {
  return plan.routes.routes.count(net::parse_prefix(prefix).value()) == 1;
}

struct Fixture {
  ManualClock clock;
  Planner planner{DampingPolicy{}, clock};
  Fixture() { planner.configure(pop()); }
  Plan eval(const States& states, int64_t now = kNow) {
    return planner.evaluate(states, kNoReasons, now);
  }
};

TEST_CASE("nothing is announced before the checks have results") {
  Fixture f;
  Plan plan = f.eval({});
  CHECK(plan.routes.routes.empty());
  CHECK(status_of(plan, "203.0.113.53/32").state == PrefixState::Withdrawn);
  CHECK(status_of(plan, "203.0.113.53/32").reason == "service dns: waiting for check results");
}

TEST_CASE("all local services up announces, with the prefix's attributes") {
  Fixture f;
  Plan plan = f.eval(kAllUp);
  REQUIRE(plan.routes.routes.size() == 2);
  const auto& r = plan.routes.routes.at(net::parse_prefix("203.0.113.53/32").value());
  CHECK(r.next_hop == net::parse_address("192.0.2.2").value());
  CHECK(r.med == 10u);
  REQUIRE(r.communities.size() == 1);
  CHECK(r.communities[0].text() == "64510:1");
  CHECK(r.prepend == 0);
  CHECK(status_of(plan, "203.0.113.53/32").reason == "services up");
}

TEST_CASE("one local check down withdraws every prefix bound to its service") {
  Fixture f;
  f.eval(kAllUp);
  States states = kAllUp;
  states["disk"] = State::Down;
  Plan plan = f.planner.evaluate(states, {{"disk", "exit code 1"}}, kNow);
  CHECK(plan.routes.routes.empty());
  CHECK(status_of(plan, "198.51.100.0/24").reason ==
        "service dns down: check disk down: exit code 1");
}

TEST_CASE("a shared dependency down alerts and never withdraws") {
  Fixture f;
  States states = kAllUp;
  states["origin"] = State::Down;
  Plan plan = f.eval(states);
  CHECK(announces(plan, "203.0.113.53/32"));
  const auto& s = status_of(plan, "203.0.113.53/32");
  REQUIRE(s.alerts.size() == 1);
  CHECK(s.alerts[0].find("shared service origin down") != std::string::npos);
}

TEST_CASE("a recovered prefix waits the re-announce delay; the first up after start does not") {
  Fixture f;
  CHECK(announces(f.eval(kAllUp), "198.51.100.0/24"));  // start-up: no delay
  States down = kAllUp;
  down["dnsd"] = State::Down;
  f.clock.advance(1s);
  CHECK_FALSE(announces(f.eval(down), "198.51.100.0/24"));
  f.clock.advance(1s);
  Plan plan = f.eval(kAllUp);
  CHECK_FALSE(announces(plan, "198.51.100.0/24"));
  CHECK(status_of(plan, "198.51.100.0/24").announce_at == f.clock.now() + 10s);
  f.clock.advance(10s - 1ms);
  CHECK_FALSE(announces(f.eval(kAllUp), "198.51.100.0/24"));
  f.clock.advance(1ms);
  CHECK(announces(f.eval(kAllUp), "198.51.100.0/24"));
}

TEST_CASE("a flapping prefix is held withdrawn even while its services are up") {
  Fixture f;
  States down = kAllUp;
  down["dnsd"] = State::Down;
  f.eval(kAllUp);
  for (int i = 0; i < 3; ++i) {  // 6 up/down changes in a few seconds
    f.clock.advance(1s);
    f.eval(down);
    f.clock.advance(1s);
    f.eval(kAllUp);
  }
  f.clock.advance(20s);  // past the re-announce delay
  Plan plan = f.eval(kAllUp);
  CHECK_FALSE(announces(plan, "198.51.100.0/24"));
  const auto& s = status_of(plan, "198.51.100.0/24");
  CHECK(s.reason.find("held down") != std::string::npos);
  REQUIRE(s.held_until);
  // The hold-down ends; the prefix still waits the re-announce delay, then comes back.
  f.clock.set(*s.held_until + 1ms);
  f.eval(kAllUp);
  f.clock.advance(10s);
  CHECK(announces(f.eval(kAllUp), "198.51.100.0/24"));
}

TEST_CASE("a graceful drain prepends and adds GRACEFUL_SHUTDOWN, then withdraws") {
  Fixture f;
  store::HealthConfig cfg = pop();
  cfg.drains = {{"203.0.113.53/32", 60, kNow}};
  f.planner.configure(cfg);
  Plan plan = f.eval(kAllUp, kNow + 1);
  const auto& s = status_of(plan, "203.0.113.53/32");
  CHECK(s.state == PrefixState::Draining);
  const auto& r = plan.routes.routes.at(net::parse_prefix("203.0.113.53/32").value());
  CHECK(r.prepend == 3);
  REQUIRE(r.communities.size() == 2);
  CHECK(r.communities[1] == routing::kGracefulShutdown);
  CHECK(announces(plan, "198.51.100.0/24"));  // not drained
  CHECK_FALSE(plan.drain_all);

  plan = f.eval(kAllUp, kNow + 60);
  CHECK_FALSE(announces(plan, "203.0.113.53/32"));
  CHECK(status_of(plan, "203.0.113.53/32").reason == "drained by operator");
}

TEST_CASE("drain all drains every prefix and the box's edges; a down prefix stays withdrawn") {
  Fixture f;
  store::HealthConfig cfg = pop();
  cfg.drains = {{store::kDrainAll, 30, kNow}};
  f.planner.configure(cfg);
  Plan plan = f.eval(kAllUp, kNow);
  CHECK(plan.drain_all);
  CHECK(plan.routes.routes.size() == 2);
  for (const auto& [prefix, route] : plan.routes.routes) CHECK(route.prepend == 3);
  States states = kAllUp;
  states["disk"] = State::Down;
  plan = f.eval(states, kNow + 1);
  CHECK(plan.drain_all);
  CHECK(plan.routes.routes.empty());  // down wins over the graceful announce
}

TEST_CASE("a new configuration keeps the damping and delay state of prefixes that stay") {
  Fixture f;
  f.eval(kAllUp);
  States down = kAllUp;
  down["dnsd"] = State::Down;
  f.eval(down);
  f.clock.advance(1s);
  f.eval(kAllUp);  // recovering: waits 10 s
  f.planner.configure(pop());
  CHECK_FALSE(announces(f.eval(kAllUp), "198.51.100.0/24"));
  f.clock.advance(10s);
  CHECK(announces(f.eval(kAllUp), "198.51.100.0/24"));
}

TEST_CASE("checks that restart unknown keep the prefix's last state") {
  Fixture f;
  CHECK(announces(f.eval(kAllUp), "198.51.100.0/24"));
  CHECK(announces(f.eval({}), "198.51.100.0/24"));  // a reload replaced the checks
}

}  // namespace
}  // namespace cdn::health
