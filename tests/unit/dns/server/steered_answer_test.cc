// tests/unit/dns/server/steered_answer_test.cc: tests dns/steer/served.cc and the steered part of
// dns/server/answer.cc, without a MaxMind DB (every client is of unknown location, so a pool
// answers in its configured order); geography is tested with a real DB in the integration test.
#include <doctest/doctest.h>

#include "dns/server/answer.h"
#include "dns/steer/served.h"
#include "dns/wire/wire.h"
#include "dns/zone/loader.h"
#include "tests/support/dns_message.h"

using namespace cdn;
using namespace cdn::dns;

namespace {

std::optional<net::Address> addr(const char* text) { return *net::parse_address(text); }

store::SteerConfig config() {
  store::SteerConfig c;
  c.version = 7;
  c.edges = {{"fra", "fra", 50.1, 8.7, addr("192.0.2.1"), addr("2001:db8::1"), 100, 1},
             {"nyc", "nyc", 40.7, -74.0, addr("192.0.2.2"), std::nullopt, 100, 1},
             {"tyo", "tyo", 35.7, 139.7, addr("192.0.2.3"), addr("2001:db8::3"), 100, 1}};
  store::Pool pool;
  pool.name = "www";
  pool.edges = {"fra", "nyc", "tyo"};
  pool.answers = 1;
  pool.ttl = 30;
  c.pools = {pool};
  c.names = {{"www.example.com.", "www"}};
  return c;
}

struct Fixture {
  std::shared_ptr<const Snapshot> snap;
  QueryCounters counters;
  SteeringStates states;

  Fixture() {
    auto zone = parse_zone_text("$TTL 300\n@ SOA ns hm 1 2 3 4 60\n@ NS ns\nns A 192.0.2.53\n",
                                "example.com", "test");
    REQUIRE(zone.ok());
    auto built = build_snapshot({zone.zone}, {});
    REQUIRE(built.has_value());
    auto steering = build_steering(config());
    REQUIRE_MESSAGE(steering.has_value(), (steering ? "" : steering.error().text()));
    auto with = std::make_shared<Snapshot>(**built);
    with->steering = *steering;
    snap = with;
    states = initial_states((*steering)->set);
  }

  test::Response ask(const std::string& name, uint16_t qtype, bool ecs = false) {
    test::QueryOptions o;
    o.qtype = qtype;
    if (ecs) {
      o.edns = true;
      o.extra_options = {0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100};
    }
    auto q = test::make_query(name, o);
    std::vector<uint8_t> out(4096);
    size_t n =
        answer_query(*snap, q, out, Transport::Udp, counters, QueryContext{nullptr, &states});
    REQUIRE(n > 0);
    out.resize(n);
    return test::parse_response(out);
  }
};

}  // namespace

TEST_CASE("a steered name answers the first serving edge of the pool with the pool's TTL") {
  Fixture f;
  auto r = f.ask("www.example.com", type::A);
  CHECK(r.rcode == 0);
  CHECK(r.aa);
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].ttl == 30);
  CHECK(r.answer[0].rdata == std::vector<uint8_t>{192, 0, 2, 1});
}

TEST_CASE("an edge marked down is skipped, and comes back when up") {
  Fixture f;
  report_edge(f.states, f.snap->steering->set, "fra", Availability::Down, 0);
  CHECK(f.ask("www.example.com", type::A).answer.at(0).rdata == std::vector<uint8_t>{192, 0, 2, 2});
  report_edge(f.states, f.snap->steering->set, "fra", Availability::Up, 0);
  CHECK(f.ask("www.example.com", type::A).answer.at(0).rdata == std::vector<uint8_t>{192, 0, 2, 1});
}

TEST_CASE("AAAA skips edges without an IPv6 address; none at all is NODATA") {
  Fixture f;
  report_edge(f.states, f.snap->steering->set, "fra", Availability::Down, 0);
  auto r = f.ask("www.example.com", type::AAAA);
  CHECK(r.answer.empty());  // nyc, the one chosen, has no IPv6 address
  CHECK(r.authority.at(0).type == type::SOA);
}

TEST_CASE("other types of a steered name and other names come from the zone") {
  Fixture f;
  CHECK(f.ask("www.example.com", type::TXT).rcode == 3);
  CHECK(f.ask("ns.example.com", type::A).answer.size() == 1);
}

TEST_CASE("every edge down: the pool's serve-all policy answers all of them") {
  Fixture f;
  for (const char* e : {"fra", "nyc", "tyo"})
    report_edge(f.states, f.snap->steering->set, e, Availability::Down, 0);
  CHECK(f.ask("www.example.com", type::A).answer.size() == 3);
  CHECK(f.counters.steered_by_reason[3].load() == 1);  // all down, serve all
}

TEST_CASE("an ECS query on a steered name gets a scope no longer than its source prefix") {
  Fixture f;
  auto r = f.ask("www.example.com", type::A, true);
  REQUIRE(r.has_opt);
  // Without a MaxMind DB the whole space is one unknown-location network: scope /0.
  CHECK(r.opt_rdata == std::vector<uint8_t>{0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100});
  CHECK(f.counters.ecs_queries.load() == 1);
}
