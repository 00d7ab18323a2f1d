// tests/unit/bgp/exabgp_api_test.cc: tests bgp/exabgp_api.cc
#include "bgp/exabgp_api.h"

#include <doctest/doctest.h>

#include <string>

namespace cdn::bgp {
namespace {

constexpr uint32_t kLocalAs = 64510;

routing::Route route(const std::string& prefix, const std::string& next_hop) {
  routing::Route r;
  r.prefix = net::parse_prefix(prefix).value();
  r.next_hop = net::parse_address(next_hop).value();
  return r;
}

TEST_CASE("a plain announce has the form the lab saw working and no AS path") {
  CHECK(announce_line(route("203.0.113.53/32", "192.0.2.2"), kLocalAs) ==
        "announce route 203.0.113.53/32 next-hop 192.0.2.2");
}

TEST_CASE("an announce carries med and communities and large communities and a prepend in order") {
  auto r = route("192.0.2.0/24", "198.51.100.1");
  r.med = 100;
  r.communities = {{65000, 1}, routing::kGracefulShutdown};
  r.large_communities = {{65000, 1, 2}, {4200000000u, 0, 7}};
  r.prepend = 2;
  CHECK(announce_line(r, kLocalAs) ==
        "announce route 192.0.2.0/24 next-hop 198.51.100.1 med 100 community [ 65000:1 65535:0 ] "
        "large-community [ 65000:1:2 4200000000:0:7 ] as-path [ 64510 64510 64510 ]");
}

TEST_CASE("an IPv6 announce names its IPv6 next hop and never self") {
  auto r = route("2001:db8:53::53/128", "fe80::f0a6:a2ff:febc:e784");
  CHECK(announce_line(r, kLocalAs) ==
        "announce route 2001:db8:53::53/128 next-hop fe80::f0a6:a2ff:febc:e784");
  CHECK(withdraw_line(r.prefix, r.next_hop) ==
        "withdraw route 2001:db8:53::53/128 next-hop fe80::f0a6:a2ff:febc:e784");
}

TEST_CASE("an explicit AS path is sent verbatim and must start with our own AS") {
  auto r = route("192.0.2.0/24", "198.51.100.1");
  r.as_path = {64510, 65001};
  CHECK(announce_line(r, kLocalAs) ==
        "announce route 192.0.2.0/24 next-hop 198.51.100.1 as-path [ 64510 65001 ]");
  CHECK(check_announceable(r, kLocalAs));
  r.as_path = {65001, 64510};
  CHECK(check_announceable(r, kLocalAs).error().text() ==
        "192.0.2.0/24: AS path [65001 ...] does not start with our AS 64510");
}

TEST_CASE("check_announceable applies the route rules too") {
  CHECK(check_announceable(route("2001:db8::/32", "192.0.2.1"), kLocalAs).error().text() ==
        "2001:db8::/32: next hop 192.0.2.1 is not of the prefix's family");
}

TEST_CASE("a withdraw names prefix and next hop") {
  CHECK(withdraw_line(net::parse_prefix("198.51.100.0/24").value(),
                      net::parse_address("192.0.2.2").value()) ==
        "withdraw route 198.51.100.0/24 next-hop 192.0.2.2");
}

TEST_CASE("announce lines read back into the route they came from") {
  auto r = route("192.0.2.0/24", "198.51.100.1");
  r.med = 500;
  r.communities = {routing::kGracefulShutdown};
  r.large_communities = {{64510, 9, 9}};
  SUBCASE("with a prepend") { r.prepend = 3; }
  SUBCASE("with an explicit path") { r.as_path = {64510, 65001}; }
  SUBCASE("with neither") {}
  auto command = parse_command(announce_line(r, kLocalAs), kLocalAs);
  REQUIRE_MESSAGE(command, announce_line(r, kLocalAs));
  CHECK(command->action == Action::Announce);
  CHECK(command->route == r);
}

TEST_CASE("command lines are read with glued brackets and single values in any order") {
  auto command = parse_command(
      "announce route 203.0.113.53/32 as-path [64510 64510] community 65000:1 next-hop 192.0.2.2\n",
      kLocalAs);
  REQUIRE(command);
  CHECK(command->route.prepend == 1);
  CHECK(command->route.communities == std::vector<routing::Community>{{65000, 1}});
  CHECK(command->route.next_hop.text() == "192.0.2.2");

  auto withdraw = parse_command("withdraw route 2001:db8::/32 next-hop 2001:db8::1", kLocalAs);
  REQUIRE(withdraw);
  CHECK(withdraw->action == Action::Withdraw);
  CHECK(withdraw->route.prefix.text() == "2001:db8::/32");
}

TEST_CASE("bad command lines are refused with the line named") {
  CHECK(parse_command("annonce route 192.0.2.0/24 next-hop 192.0.2.2", kLocalAs).error().text() ==
        "annonce route 192.0.2.0/24 next-hop 192.0.2.2: expected 'announce route PREFIX ...' or "
        "'withdraw route PREFIX ...'");
  CHECK(parse_command("announce route 192.0.2.0/24", kLocalAs).error().what == "no next-hop");
  CHECK(parse_command("announce route 192.0.2.0/24 next-hop", kLocalAs).error().what ==
        "no value after 'next-hop'");
  CHECK(parse_command("announce route 192.0.2.0/24 next-hop self", kLocalAs)
            .error()
            .what.find("next-hop: self") == 0);
  CHECK(parse_command("announce route 192.0.2.0/24 next-hop 192.0.2.2 as-path [ 1 2", kLocalAs)
            .error()
            .what == "no value after 'as-path'");
  CHECK(parse_command("announce route 192.0.2.0/24 next-hop 192.0.2.2 colour red", kLocalAs)
            .error()
            .what == "unexpected 'colour'");
}

TEST_CASE("ExaBGP's acks and events are told apart") {
  CHECK(parse_reply("done\n").kind == ReplyKind::Done);
  CHECK(parse_reply("error").kind == ReplyKind::Error);
  CHECK(parse_reply("error\r\n").kind == ReplyKind::Error);
  CHECK(parse_reply("shutdown").kind == ReplyKind::Shutdown);
  CHECK(parse_reply("shutdown 4242 1").kind == ReplyKind::Shutdown);

  auto up = parse_reply("neighbor 192.0.2.1 up\n");
  CHECK(up.kind == ReplyKind::NeighborUp);
  CHECK(up.neighbor == "192.0.2.1");
  auto down = parse_reply("neighbor 2001:db8::1 down - peer reset");
  CHECK(down.kind == ReplyKind::NeighborDown);
  CHECK(down.neighbor == "2001:db8::1");

  for (const char* other : {"", "neighbor 192.0.2.1 connected", "doneish", "Done", "errors",
                            "neighbor 192.0.2.1 receive update start"}) {
    auto reply = parse_reply(other);
    CHECK_MESSAGE(reply.kind == ReplyKind::Unknown, other);
    CHECK(reply.text == other);
  }
}

}  // namespace
}  // namespace cdn::bgp
