// tests/unit/dns/steer/network_test.cc: tests dns/steer/network.cc
#include "dns/steer/network.h"

#include <doctest/doctest.h>

namespace cdn::dns {
namespace {

TEST_CASE("prefixes parse and print in both families") {
  auto v4 = parse_network("192.0.2.0/24");
  REQUIRE(v4.has_value());
  CHECK(v4->address.family == kIpv4);
  CHECK(network_text(*v4) == "192.0.2.0/24");
  auto v6 = parse_network("2001:db8::/32");
  REQUIRE(v6.has_value());
  CHECK(network_text(*v6) == "2001:db8::/32");
}

TEST_CASE("a prefix with bits beyond its length or a bad length is rejected") {
  CHECK_FALSE(parse_network("192.0.2.1/24").has_value());
  CHECK_FALSE(parse_network("192.0.2.0/33").has_value());
  CHECK_FALSE(parse_network("192.0.2.0").has_value());
  CHECK_FALSE(parse_network("example/8").has_value());
}

TEST_CASE("containment follows the prefix bits") {
  auto outer = *parse_network("10.0.0.0/8");
  CHECK(contains(outer, *parse_network("10.1.0.0/16")));
  CHECK(contains(outer, outer));
  CHECK_FALSE(contains(outer, *parse_network("11.0.0.0/16")));
  CHECK_FALSE(contains(*parse_network("10.1.0.0/16"), outer));
  CHECK(network_of(*parse_address("2001:db8:ffff::1"), 32) == *parse_network("2001:db8::/32"));
}

}  // namespace
}  // namespace cdn::dns
