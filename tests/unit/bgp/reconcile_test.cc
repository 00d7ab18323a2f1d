// tests/unit/bgp/reconcile_test.cc: tests bgp/reconcile.cc
#include "bgp/reconcile.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cdn::bgp {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

constexpr uint32_t kLocalAs = 64510;
const Time kT0 = Time{} + 1000s;

net::Prefix prefix(const std::string& text) { return net::parse_prefix(text).value(); }

routing::Route route(const std::string& p, const std::string& next_hop) {
  routing::Route r;
  r.prefix = prefix(p);
  r.next_hop = net::parse_address(next_hop).value();
  return r;
}

// The PoP: a DNS /32, an edge /24 and an IPv6 /48 (next hop: the PoP's link-local address).
ReconcileConfig pop_config() {
  ReconcileConfig config;
  config.local_as = kLocalAs;
  config.prefixes = {prefix("203.0.113.53/32"), prefix("198.51.100.0/24"),
                     prefix("2001:db8:53::/48")};
  config.next_hop_v4 = net::parse_address("192.0.2.2").value();
  config.next_hop_v6 = net::parse_address("fe80::2").value();
  return config;
}

const routing::Route kDns = route("203.0.113.53/32", "192.0.2.2");
const routing::Route kEdge = route("198.51.100.0/24", "192.0.2.2");
const routing::Route kDns6 = route("2001:db8:53::/48", "fe80::2");

routing::RouteSet set_of(std::initializer_list<routing::Route> routes) {
  routing::RouteSet set;
  for (const auto& r : routes) set.routes.emplace(r.prefix, r);
  return set;
}

Reconciler started() {
  auto reconciler = Reconciler::create(pop_config());
  REQUIRE(reconciler);
  CHECK(reconciler->start(kT0).lines.empty());
  return std::move(*reconciler);
}

// Answers every waiting command with done.
void ack_all(Reconciler& r) {
  while (r.unanswered() > 0) r.ack_done();
}

// Started, healthd's first set {DNS, DNS6} sent and acknowledged.
Reconciler in_sync() {
  Reconciler r = started();
  r.healthd_full_set(set_of({kDns, kDns6}), kT0 + 1s);
  ack_all(r);
  return r;
}

TEST_CASE("nothing is sent after a start until healthd's first full set") {
  Reconciler r = started();
  CHECK(r.tick(kT0 + 5s).lines.empty());
  CHECK(r.unanswered() == 0);
}

TEST_CASE("a fresh start withdraws every configured prefix not desired and then announces") {
  Reconciler r = started();
  Step step = r.healthd_full_set(set_of({kDns}), kT0 + 1s);
  // The edge /24 and the IPv6 /48 may still be up from a previous bridge: withdrawn explicitly,
  // the IPv6 one with its IPv6 next hop.
  CHECK(step.lines == Lines{"withdraw route 198.51.100.0/24 next-hop 192.0.2.2",
                            "withdraw route 2001:db8:53::/48 next-hop fe80::2",
                            "announce route 203.0.113.53/32 next-hop 192.0.2.2"});
  CHECK(step.reports.empty());
  CHECK(r.unanswered() == 3);
}

TEST_CASE("a diff produces lines only for what changed") {
  Reconciler r = in_sync();
  SUBCASE("a drain re-announces one prefix with prepend and GRACEFUL_SHUTDOWN") {
    routing::Route drained = kDns;
    drained.prepend = 2;
    drained.communities = {routing::kGracefulShutdown};
    Step step = r.healthd_diff({{drained}, {}}, kT0 + 2s);
    CHECK(step.lines == Lines{"announce route 203.0.113.53/32 next-hop 192.0.2.2 community "
                              "[ 65535:0 ] as-path [ 64510 64510 64510 ]"});
  }
  SUBCASE("a withdraw and an announce") {
    Step step = r.healthd_diff({{kEdge}, {kDns6.prefix}}, kT0 + 2s);
    CHECK(step.lines == Lines{"withdraw route 2001:db8:53::/48 next-hop fe80::2",
                              "announce route 198.51.100.0/24 next-hop 192.0.2.2"});
  }
  SUBCASE("re-announcing an unchanged route or withdrawing an absent one sends nothing") {
    CHECK(r.healthd_diff({{kDns}, {kEdge.prefix}}, kT0 + 2s).lines.empty());
  }
  SUBCASE("the same full set again sends nothing") {
    CHECK(r.healthd_full_set(set_of({kDns, kDns6}), kT0 + 2s).lines.empty());
  }
  SUBCASE("a new full set sends only its difference") {
    Step step = r.healthd_full_set(set_of({kDns, kEdge}), kT0 + 2s);
    CHECK(step.lines == Lines{"withdraw route 2001:db8:53::/48 next-hop fe80::2",
                              "announce route 198.51.100.0/24 next-hop 192.0.2.2"});
  }
}

TEST_CASE("a withdraw uses the next hop the route was announced with") {
  Reconciler r = started();
  routing::Route other_hop = route("198.51.100.0/24", "192.0.2.9");
  r.healthd_full_set(set_of({other_hop}), kT0);
  ack_all(r);
  CHECK(r.healthd_diff({{}, {other_hop.prefix}}, kT0 + 1s).lines ==
        Lines{"withdraw route 198.51.100.0/24 next-hop 192.0.2.9"});
}

TEST_CASE("healthd unreachable past the grace period withdraws everything") {
  Reconciler r = in_sync();
  CHECK(r.healthd_lost(kT0 + 2s).lines.empty());
  CHECK(r.grace_deadline() == kT0 + 12s);
  CHECK(r.tick(kT0 + 11s).lines.empty());
  CHECK(r.tick(kT0 + 12s - 1ms).lines.empty());
  Step step = r.tick(kT0 + 12s);
  CHECK(step.lines == Lines{"withdraw route 203.0.113.53/32 next-hop 192.0.2.2",
                            "withdraw route 2001:db8:53::/48 next-hop fe80::2"});
  REQUIRE(step.reports.size() == 1);
  CHECK(step.reports[0].kind == Report::Kind::HealthdGone);
  CHECK(r.withdrawing_all());
  CHECK_FALSE(r.grace_deadline());
  CHECK(r.tick(kT0 + 60s).lines.empty());
}

TEST_CASE("healthd never reached after a start withdraws every configured prefix at grace end") {
  Reconciler r = started();
  CHECK(r.tick(kT0 + 9s).lines.empty());
  CHECK(r.tick(kT0 + 10s).lines == Lines{"withdraw route 198.51.100.0/24 next-hop 192.0.2.2",
                                         "withdraw route 203.0.113.53/32 next-hop 192.0.2.2",
                                         "withdraw route 2001:db8:53::/48 next-hop fe80::2"});
}

TEST_CASE("healthd back after the grace period re-announces what it desires") {
  Reconciler r = in_sync();
  r.healthd_lost(kT0 + 2s);
  r.tick(kT0 + 12s);
  ack_all(r);
  Step step = r.healthd_full_set(set_of({kDns, kDns6}), kT0 + 20s);
  CHECK(step.lines == Lines{"announce route 203.0.113.53/32 next-hop 192.0.2.2",
                            "announce route 2001:db8:53::/48 next-hop fe80::2"});
  CHECK_FALSE(r.withdrawing_all());
}

TEST_CASE("healthd answering while its checks warm up keeps what ExaBGP has") {
  Reconciler r = in_sync();
  r.healthd_lost(kT0 + 2s);  // healthd restarts
  CHECK(r.healthd_waiting(kT0 + 8s).lines.empty());
  CHECK(r.grace_deadline() == kT0 + 18s);  // the grace period counts again from its answer
  CHECK(r.tick(kT0 + 17s).lines.empty());
  // Its first set after the warm-up: only what changed is sent.
  CHECK(r.healthd_full_set(set_of({kDns}), kT0 + 17s).lines ==
        Lines{"withdraw route 2001:db8:53::/48 next-hop fe80::2"});
}

TEST_CASE("healthd warming up does not stop a withdraw-all that already happened") {
  Reconciler r = in_sync();
  r.healthd_lost(kT0 + 2s);
  REQUIRE(r.tick(kT0 + 12s).lines.size() == 2);
  ack_all(r);
  CHECK(r.healthd_waiting(kT0 + 13s).lines.empty());
  CHECK(r.withdrawing_all());
  CHECK(r.tick(kT0 + 40s).lines.empty());
}

TEST_CASE("healthd warming up forever after a start still ends in the grace period's withdraw") {
  Reconciler r = started();
  r.healthd_waiting(kT0 + 5s);
  CHECK(r.tick(kT0 + 14s).lines.empty());
  CHECK(r.tick(kT0 + 15s).lines.size() == 3);
}

TEST_CASE("healthd back within the grace period changes nothing") {
  Reconciler r = in_sync();
  r.healthd_lost(kT0 + 2s);
  CHECK(r.tick(kT0 + 5s).lines.empty());
  CHECK(r.healthd_full_set(set_of({kDns, kDns6}), kT0 + 6s).lines.empty());
  CHECK_FALSE(r.grace_deadline());
  CHECK(r.tick(kT0 + 30s).lines.empty());
}

TEST_CASE("acks are matched to lines in order and reported with them") {
  Reconciler r = started();
  r.healthd_full_set(set_of({kDns}), kT0);
  Step first = r.exabgp_reply(parse_reply("done"));
  REQUIRE(first.reports.size() == 1);
  CHECK(first.reports[0].kind == Report::Kind::Applied);
  CHECK(first.reports[0].prefix == "198.51.100.0/24");
  CHECK(first.reports[0].line == "withdraw route 198.51.100.0/24 next-hop 192.0.2.2");
  CHECK(r.exabgp_reply(parse_reply("neighbor 192.0.2.1 connected")).reports.empty());
  r.ack_done();
  Step third = r.ack_done();
  CHECK(third.reports[0].line == "announce route 203.0.113.53/32 next-hop 192.0.2.2");
  CHECK(r.confirmed_routes().size() == 1);
  CHECK(r.confirmed_routes().at(kDns.prefix) == kDns);

  Step extra = r.ack_done();
  REQUIRE(extra.reports.size() == 1);
  CHECK(extra.reports[0].kind == Report::Kind::UnexpectedAck);
}

TEST_CASE("an error ack is reported with its line and the change is not assumed applied") {
  Reconciler r = in_sync();
  routing::Route drained = kDns;
  drained.prepend = 1;
  r.healthd_diff({{drained}, {}}, kT0 + 2s);
  Step step = r.exabgp_reply(parse_reply("error"));
  REQUIRE(step.reports.size() == 1);
  CHECK(step.reports[0].kind == Report::Kind::Failed);
  CHECK(step.reports[0].prefix == "203.0.113.53/32");
  CHECK(step.reports[0].line ==
        "announce route 203.0.113.53/32 next-hop 192.0.2.2 as-path [ 64510 64510 ]");
  CHECK(r.confirmed_routes().at(kDns.prefix) == kDns);
  // healthd's next word sends the refused change again.
  CHECK(r.healthd_full_set(set_of({drained, kDns6}), kT0 + 3s).lines ==
        Lines{"announce route 203.0.113.53/32 next-hop 192.0.2.2 as-path [ 64510 64510 ]"});
}

TEST_CASE(
    "an error for a line overtaken by a later one for the same prefix leaves it to that one") {
  Reconciler r = in_sync();
  r.healthd_diff({{}, {kDns.prefix}}, kT0 + 2s);
  r.healthd_diff({{kDns}, {}}, kT0 + 3s);
  CHECK(r.ack_error().reports[0].line == "withdraw route 203.0.113.53/32 next-hop 192.0.2.2");
  r.ack_done();
  CHECK(r.healthd_full_set(set_of({kDns, kDns6}), kT0 + 4s).lines.empty());
}

TEST_CASE("a retry sends again what an error ack left undone, and nothing when in step") {
  Reconciler r = in_sync();
  CHECK(r.retry().lines.empty());
  r.healthd_full_set(set_of({kDns, kDns6, kEdge}), kT0 + 2s);
  REQUIRE(r.unanswered() == 1);
  r.ack_error();
  CHECK(r.confirmed_routes().count(kEdge.prefix) == 0);
  CHECK(r.retry().lines == Lines{"announce route 198.51.100.0/24 next-hop 192.0.2.2"});
  r.ack_done();
  CHECK(r.confirmed_routes().count(kEdge.prefix) == 1);
  CHECK(r.retry().lines.empty());
}

TEST_CASE("a new configuration withdraws removed prefixes and takes new ones") {
  Reconciler r = in_sync();  // announced: DNS, DNS6
  ReconcileConfig next = pop_config();
  next.prefixes = {prefix("203.0.113.53/32"), prefix("203.0.113.54/32")};  // DNS6, edge gone
  auto step = r.reconfigure(next);
  REQUIRE(step);
  // The /48 was announced: withdrawn; the /24 was known withdrawn: nothing; the new /32 is
  // unknown and not desired yet: withdrawn.
  CHECK(step->lines == Lines{"withdraw route 2001:db8:53::/48 next-hop fe80::2",
                             "withdraw route 203.0.113.54/32 next-hop 192.0.2.2"});
  ack_all(r);
  CHECK(r.confirmed_routes().size() == 1);
  auto dns54 = route("203.0.113.54/32", "192.0.2.2");
  CHECK(r.healthd_full_set(set_of({kDns, dns54}), kT0 + 3s).lines ==
        Lines{"announce route 203.0.113.54/32 next-hop 192.0.2.2"});
  next.local_as = 0;
  CHECK_FALSE(r.reconfigure(next));
}

TEST_CASE("a session re-established sends the whole state again") {
  Reconciler r = in_sync();
  Step step = r.exabgp_reply(parse_reply("neighbor 192.0.2.1 up"));
  CHECK(step.lines == Lines{"withdraw route 198.51.100.0/24 next-hop 192.0.2.2",
                            "announce route 203.0.113.53/32 next-hop 192.0.2.2",
                            "announce route 2001:db8:53::/48 next-hop fe80::2"});
}

TEST_CASE("a session up before healthd's first set waits for it") {
  Reconciler r = started();
  CHECK(r.session_established().lines.empty());
}

TEST_CASE("routes healthd may not announce are rejected and not sent") {
  Reconciler r = started();
  routing::Route stranger = route("192.0.2.0/24", "192.0.2.2");
  routing::Route foreign_path = kEdge;
  foreign_path.as_path = {65001};
  Step step = r.healthd_full_set(set_of({kDns, stranger, foreign_path}), kT0);
  CHECK(step.lines == Lines{"withdraw route 198.51.100.0/24 next-hop 192.0.2.2",
                            "withdraw route 2001:db8:53::/48 next-hop fe80::2",
                            "announce route 203.0.113.53/32 next-hop 192.0.2.2"});
  REQUIRE(step.reports.size() == 2);
  CHECK(step.reports[0].kind == Report::Kind::Rejected);
  CHECK(step.reports[0].prefix == "192.0.2.0/24");
  CHECK(step.reports[0].detail == "not one of the configured anycast prefixes");
  CHECK(step.reports[1].prefix == "198.51.100.0/24");
  CHECK(step.reports[1].detail == "AS path [65001 ...] does not start with our AS 64510");
}

TEST_CASE("a rejected route in a diff withdraws the prefix's older form") {
  Reconciler r = in_sync();
  routing::Route bad = kDns;
  bad.as_path = {65001};
  Step step = r.healthd_diff({{bad}, {}}, kT0 + 2s);
  CHECK(step.lines == Lines{"withdraw route 203.0.113.53/32 next-hop 192.0.2.2"});
  CHECK(step.reports.at(0).kind == Report::Kind::Rejected);
}

TEST_CASE("a diff before any full set is ignored and reported") {
  Reconciler r = started();
  Step step = r.healthd_diff({{kDns}, {}}, kT0);
  CHECK(step.lines.empty());
  REQUIRE(step.reports.size() == 1);
  CHECK(step.reports[0].kind == Report::Kind::IgnoredDiff);
}

TEST_CASE("a restart forgets what was sent and reconciles again") {
  Reconciler r = in_sync();
  r.start(kT0 + 100s);
  CHECK(r.unanswered() == 0);
  CHECK(r.confirmed_routes().empty());
  CHECK(r.healthd_full_set(set_of({kDns, kDns6}), kT0 + 101s).lines.size() == 3);
}

TEST_CASE("the reconciler config is checked") {
  auto config = pop_config();
  SUBCASE("local AS 0") {
    config.local_as = 0;
    CHECK(Reconciler::create(config).error().text() == "local-as: AS 0 is reserved (RFC 7607)");
  }
  SUBCASE("a prefix twice") {
    config.prefixes.push_back(prefix("198.51.100.0/24"));
    CHECK(Reconciler::create(config).error().text() == "198.51.100.0/24: prefix listed twice");
  }
  SUBCASE("an IPv6 prefix without an IPv6 next hop") {
    config.next_hop_v6.reset();
    CHECK(Reconciler::create(config).error().text() ==
          "2001:db8:53::/48: no IPv6 next hop configured for withdraws");
  }
  SUBCASE("a next hop of the wrong family") {
    config.next_hop_v6 = net::parse_address("192.0.2.2").value();
    CHECK(Reconciler::create(config).error().text() ==
          "2001:db8:53::/48: next hop 192.0.2.2 cannot carry this prefix");
  }
  SUBCASE("no grace period") {
    config.grace = 0ms;
    CHECK(Reconciler::create(config).error().text() == "grace: the grace period must be positive");
  }
}

TEST_CASE("report kinds have log names") {
  CHECK(kind_name(Report::Kind::Failed) == "failed");
  CHECK(kind_name(Report::Kind::HealthdGone) == "healthd_gone");
}

}  // namespace
}  // namespace cdn::bgp
