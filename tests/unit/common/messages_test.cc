// tests/unit/common/messages_test.cc: tests common/control/messages.cc (every codec round-trips,
// malformed messages name the field) and control.cc's dispatch (one error for unknown commands).
#include "common/control/messages.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace {

using namespace cdn::control;

template <class Message>
Message round_trip(const Message& message) {
  Json json = encode(message);
  Message back;
  auto decoded = decode(json, back);
  std::string why = decoded ? std::string() : json.dump() + ": " + decoded.error().text();
  REQUIRE_MESSAGE(decoded.has_value(), why);
  CHECK(encode(back) == json);
  return back;
}

template <class Message>
std::string decode_error(const std::string& text) {
  Message out;
  auto decoded = decode(Json::parse(text), out);
  REQUIRE_MESSAGE(!decoded.has_value(), text);
  return decoded.error().text();
}

}  // namespace

TEST_CASE("every request round-trips through its codec with its command name") {
  CHECK(encode(StatusRequest{}) == Json{{"cmd", "status"}});
  CHECK(encode(StatsRequest{})["cmd"] == "stats");
  CHECK(encode(HealthRequest{})["cmd"] == "health");
  CHECK(encode(BgpStatusRequest{})["cmd"] == "bgp-status");
  CHECK(round_trip(ReloadRequest{42}).version == 42);
  CHECK_FALSE(round_trip(ReloadRequest{}).version.has_value());

  EdgeStateRequest edges;
  edges.edges = {{"fra", cdn::Availability::Drain, 0.25}, {"nyc", cdn::Availability::Down, 0}};
  edges.rtt = {{"10.1.0.0/16", "fra", 12.5}};
  auto back = round_trip(edges);
  CHECK(back.edges == edges.edges);
  CHECK(back.rtt == edges.rtt);
  CHECK(encode(edges)["edges"][0]["state"] == "drain");

  auto o = round_trip(OverrideRequest{"fra", cdn::Availability::Down, 0.5});
  CHECK(o.state == cdn::Availability::Down);
  CHECK(o.load == 0.5);
  CHECK_FALSE(round_trip(OverrideRequest{"fra", std::nullopt, std::nullopt}).state.has_value());

  auto e = round_trip(ExplainRequest{"www.example.com", "192.0.2.1", "10.1.2.0/24"});
  CHECK(e.ecs == "10.1.2.0/24");

  BridgeSyncRequest sync;
  sync.generation = 7;
  sync.wait_ms = 1000;
  auto route = cdn::routing::route_from_json(
      Json{{"prefix", "192.0.2.0/24"}, {"next_hop", "198.51.100.1"}, {"med", 100u}});
  REQUIRE_MESSAGE(route, (route ? std::string() : route.error().text()));
  sync.confirmed.routes[route->prefix] = *route;
  sync.reports = {{"refused", "192.0.2.0/24", "announce route 192.0.2.0/24", "bad"}};
  sync.exabgp = "up 198.51.100.1";
  auto s = round_trip(sync);
  CHECK(s.confirmed == sync.confirmed);
  CHECK(s.reports == sync.reports);
  CHECK(s.generation == 7);
}

TEST_CASE("every reply other programs read round-trips with ok true") {
  CHECK(encode(ReloadReply{9})["ok"] == true);
  CHECK(round_trip(ReloadReply{9}).version == 9);
  CHECK(round_trip(EdgeStateReply{3, 12}).version == 12);
  StatusReply status{"dnsd", 4, 60, 2};
  auto st = round_trip(status);
  CHECK(st.daemon == "dnsd");
  CHECK(st.zones == 2);
  StatsReply stats{10, 2, 1, 0, 4};
  CHECK(round_trip(stats).queries_tcp == 2);
  BridgeSyncReply sync;
  sync.ready = true;
  sync.generation = 3;
  sync.routes = cdn::routing::RouteSet{};
  CHECK(round_trip(sync).routes.has_value());
  BridgeSyncReply waiting;
  CHECK_FALSE(round_trip(waiting).routes.has_value());
}

TEST_CASE("healthd's health and bgp-status documents round-trip, every field") {
  HealthReply health;
  health.version = 5;
  CheckHealth web;
  web.name = "web";
  web.kind = "http";
  web.target = "127.0.0.1:80";
  web.state = "up";
  web.reason = "200 OK";
  web.changes = 2;
  web.probes = 40;
  web.last = ProbeResult{true, "200 OK", 1.25, 0.4};
  web.held_until = 1700000000;
  web.last_change = StateChange{1699999990, "down", "up", "rise 3 of 3"};
  CheckHealth idle;
  idle.name = "dns";
  health.checks = {web, idle};
  health.edges = {web};
  health.services = {{"www", {"web", "dns"}, true, "unknown"}};
  auto h = round_trip(health);
  REQUIRE(h.checks.size() == 2);
  CHECK(h.checks[0].last->load == 0.4);
  CHECK(h.checks[0].last_change->reason == "rise 3 of 3");
  CHECK(h.checks[1].state == "unknown");
  CHECK_FALSE(h.checks[1].last.has_value());
  CHECK(h.services[0].checks == std::vector<std::string>{"web", "dns"});
  CHECK(h.edges.size() == 1);

  BgpStatusReply bgp;
  bgp.version = 5;
  bgp.ready = true;
  bgp.generation = 9;
  bgp.local_as = 64500;
  PrefixStatus p;
  p.prefix = "192.0.2.0/24";
  p.desired = "announced";
  p.reason = "service www up";
  p.alerts = {"next hop unreachable"};
  p.changes = 3;
  p.held_for_s = 12.5;
  p.confirmed = "withdrawn";
  bgp.prefixes = {p};
  bgp.bridge.connected = true;
  bgp.bridge.last_seen_s = 0.5;
  bgp.bridge.exabgp = "up 198.51.100.1";
  bgp.bridge.reports = {{"refused", "192.0.2.0/24", "announce route 192.0.2.0/24", "bad"}};
  auto b = round_trip(bgp);
  REQUIRE(b.prefixes.size() == 1);
  CHECK(b.prefixes[0].held_for_s == 12.5);
  CHECK_FALSE(b.prefixes[0].announce_in_s.has_value());
  CHECK(b.prefixes[0].alerts == p.alerts);
  CHECK(b.bridge.reports == bgp.bridge.reports);
  CHECK(b.local_as == 64500);
}

TEST_CASE("a malformed message is refused naming the field and the reason") {
  CHECK(decode_error<HealthReply>(
            R"({"version":1,"checks":[{"name":"a","state":"up","last":{}}]})") ==
        "checks[0].last.up: is missing");
  CHECK(decode_error<BgpStatusReply>(
            R"({"version":1,"prefixes":[{"prefix":"p","held_for_s":-1}]})") ==
        "prefixes[0].held_for_s: must be >= 0");
  CHECK(decode_error<BgpStatusReply>(R"({"version":1,"bridge":{"reports":[{}]}})") ==
        "bridge.reports[0].kind: is missing");
  CHECK(decode_error<EdgeStateRequest>(R"({"cmd":"edge-state"})") == "edges: is missing");
  CHECK(decode_error<EdgeStateRequest>(R"({"edges":[{"state":"up"}]})") ==
        "edges[0].name: is missing");
  CHECK(decode_error<EdgeStateRequest>(R"({"edges":[{"name":"fra","state":"gone"}]})") ==
        "edges[0].state: 'gone' is not up, down or drain");
  CHECK(decode_error<EdgeStateRequest>(R"({"edges":[{"name":"fra","load":1.5}]})") ==
        "edges[0].load: must be 0..1");
  CHECK(
      decode_error<EdgeStateRequest>(R"({"edges":[],"rtt":[{"prefix":"x","edge":"f","ms":-1}]})") ==
      "rtt[0].ms: must be >= 0");
  CHECK(decode_error<ReloadRequest>(R"({"version":"7"})") == "version: must be an integer");
  CHECK(decode_error<OverrideRequest>(R"({"edge":"fra","load":0.5})") == "load: needs a state");
  CHECK(decode_error<BridgeSyncRequest>(R"({"wait_ms":60000})") == "wait_ms: must be 0..30000");
  CHECK(decode_error<ReloadReply>(R"({"ok":true})") == "version: is missing");
}

TEST_CASE("dispatch runs the named command and answers the rest the same way") {
  int reloads = 0;
  auto handler = dispatch(
      "testd", {command<ReloadRequest>("reload it",
                                       [&](const ReloadRequest& r) {
                                         ++reloads;
                                         return encode(ReloadReply{r.version.value_or(1)});
                                       }),
                command<StatusRequest>("status", [](const StatusRequest&) { return ok_reply(); })});
  CHECK(handler(Json{{"cmd", "reload"}, {"version", 5}})["version"] == 5);
  CHECK(reloads == 1);
  SUBCASE("unknown command") {
    auto reply = handler(Json{{"cmd", "purge"}});
    CHECK(reply["ok"] == false);
    CHECK(reply["error"] == "unknown command 'purge' (testd takes: reload, status, help)");
  }
  SUBCASE("no cmd") {
    CHECK(handler(Json{{"x", 1}})["error"] ==
          "a request needs \"cmd\" (testd takes: reload, status, help)");
  }
  SUBCASE("a request that does not decode never reaches the handler") {
    auto reply = handler(Json{{"cmd", "reload"}, {"version", "x"}});
    CHECK(reply["error"] == "reload: version: must be an integer");
    CHECK(reloads == 1);
  }
  SUBCASE("help lists the table") {
    auto reply = handler(Json{{"cmd", "help"}});
    REQUIRE(reply["commands"].size() == 2);
    CHECK(reply["commands"][0]["name"] == "reload");
    CHECK(reply["commands"][0]["help"] == "reload it");
  }
}

TEST_CASE("socket paths are spelled in one place") {
  CHECK(socket_path("/run/cdn", kDnsd) == "/run/cdn/dnsd.sock");
  CHECK(socket_path("/tmp/x/", kHealthd) == "/tmp/x/healthd.sock");
}

TEST_CASE("availability has one parser") {
  CHECK(cdn::parse_availability("drain") == cdn::Availability::Drain);
  CHECK_FALSE(cdn::parse_availability("Drain").has_value());
  CHECK_FALSE(cdn::parse_availability("auto").has_value());
  CHECK(cdn::availability_text(cdn::Availability::Down) == "down");
}
