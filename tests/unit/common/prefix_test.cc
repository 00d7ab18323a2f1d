// tests/unit/common/prefix_test.cc: tests common/net/prefix.cc: parsing, text, arithmetic.
#include "common/net/prefix.h"

#include <doctest/doctest.h>

#include <string>

namespace cdn::net {
namespace {

std::string parse_error(const std::string& text) {
  auto prefix = parse_prefix(text);
  REQUIRE_MESSAGE(!prefix, text);
  return prefix.error().text();
}

TEST_CASE("IPv4 and IPv6 prefixes parse and print in canonical form") {
  auto v4 = parse_prefix("192.0.2.0/24");
  REQUIRE(v4);
  CHECK(v4->family() == Family::V4);
  CHECK(v4->length == 24);
  CHECK(v4->text() == "192.0.2.0/24");

  auto v6 = parse_prefix("2001:DB8:0:0::/32");
  REQUIRE(v6);
  CHECK(v6->family() == Family::V6);
  CHECK(v6->text() == "2001:db8::/32");

  CHECK(parse_prefix("203.0.113.53/32")->text() == "203.0.113.53/32");
  CHECK(parse_prefix("2001:db8:53::53/128")->text() == "2001:db8:53::53/128");
  CHECK(parse_prefix("0.0.0.0/0")->text() == "0.0.0.0/0");
  CHECK(parse_prefix("::/0")->text() == "::/0");
}

TEST_CASE("a prefix with host bits set is refused and the error names the network") {
  CHECK(parse_error("192.0.2.1/24") ==
        "192.0.2.1/24: host bits set after /24; the network is 192.0.2.0/24");
  CHECK(parse_error("2001:db8::1/64") ==
        "2001:db8::1/64: host bits set after /64; the network is 2001:db8::/64");
  CHECK(parse_prefix("192.0.2.128/25"));
  CHECK(parse_error("10.0.0.1/7") ==
        "10.0.0.1/7: host bits set after /7; the network is 10.0.0.0/7");
}

TEST_CASE("prefix lengths must be decimal and fit the family") {
  CHECK(parse_error("192.0.2.0/33") == "192.0.2.0/33: prefix length 33 is longer than 32 bits");
  CHECK(parse_error("2001:db8::/129") ==
        "2001:db8::/129: prefix length 129 is longer than 128 bits");
  CHECK(parse_error("192.0.2.0/") == "192.0.2.0/: bad prefix length ''");
  CHECK(parse_error("192.0.2.0/024") == "192.0.2.0/024: bad prefix length '024'");
  CHECK(parse_error("192.0.2.0/-1") == "192.0.2.0/-1: bad prefix length '-1'");
  CHECK(parse_error("192.0.2.0/24x") == "192.0.2.0/24x: bad prefix length '24x'");
  CHECK(parse_error("192.0.2.0") ==
        "192.0.2.0: expected ADDRESS/LENGTH, such as 192.0.2.0/24 or 2001:db8::/32");
}

TEST_CASE("bad addresses in a prefix are named with the whole input") {
  CHECK(parse_error("192.0.2/24").rfind("192.0.2/24: not an IPv4 address", 0) == 0);
  CHECK(parse_error("192.0.2.256/32").rfind("192.0.2.256/32: not an IPv4 address", 0) == 0);
  CHECK(parse_error("2001:db8:::/48") == "2001:db8:::/48: not an IPv6 address");
  CHECK(parse_error("fe80::%eth0/64").find("zone index") != std::string::npos);
  CHECK(parse_error("www.example.com/32").find("not an IPv4 address") != std::string::npos);
}

TEST_CASE("IPv4-mapped IPv6 prefixes are refused") {
  CHECK(parse_error("::ffff:192.0.2.0/120") ==
        "::ffff:192.0.2.0/120: IPv4-mapped IPv6 prefix; write the IPv4 prefix itself");
  auto mapped = parse_address("::ffff:192.0.2.6");
  REQUIRE(mapped);
  CHECK(mapped->is_v4_mapped());
  CHECK_FALSE(parse_address("2001:db8::1")->is_v4_mapped());
}

TEST_CASE("addresses know their family and text and unspecified form") {
  CHECK(parse_address("198.51.100.1")->text() == "198.51.100.1");
  CHECK(parse_address("FE80::1")->text() == "fe80::1");
  CHECK(parse_address("0.0.0.0")->is_unspecified());
  CHECK(parse_address("::")->is_unspecified());
  CHECK_FALSE(parse_address("::1")->is_unspecified());
  CHECK(parse_address("192.0.2.1").value() != parse_address("::ffff:192.0.2.1").value());
}

TEST_CASE("a prefix contains the addresses of its own family inside it") {
  auto prefix = parse_prefix("192.0.2.0/25").value();
  CHECK(prefix.contains(parse_address("192.0.2.127").value()));
  CHECK_FALSE(prefix.contains(parse_address("192.0.2.128").value()));
  CHECK_FALSE(prefix.contains(parse_address("::ffff:192.0.2.1").value()));
  CHECK(parse_prefix("2001:db8::/32")->contains(parse_address("2001:db8:ffff::1").value()));
}

TEST_CASE("prefixes order by family then address then length") {
  auto a = parse_prefix("192.0.2.0/24").value();
  auto b = parse_prefix("192.0.2.0/25").value();
  auto c = parse_prefix("2001:db8::/32").value();
  CHECK(a < b);
  CHECK(b < c);
}

}  // namespace
}  // namespace cdn::net

TEST_CASE("prefix arithmetic: containment, the prefix of an address, addresses as numbers") {
  auto outer = *cdn::net::parse_prefix("10.0.0.0/8");
  CHECK(cdn::net::contains(outer, *cdn::net::parse_prefix("10.1.0.0/16")));
  CHECK(cdn::net::contains(outer, outer));
  CHECK_FALSE(cdn::net::contains(outer, *cdn::net::parse_prefix("11.0.0.0/16")));
  CHECK_FALSE(cdn::net::contains(*cdn::net::parse_prefix("10.1.0.0/16"), outer));
  CHECK_FALSE(cdn::net::contains(outer, *cdn::net::parse_prefix("::/0")));
  CHECK(cdn::net::prefix_of(*cdn::net::parse_address("2001:db8:ffff::1"), 32) ==
        *cdn::net::parse_prefix("2001:db8::/32"));
  auto v4 = *cdn::net::parse_address("192.0.2.1");
  CHECK(cdn::net::address_value(v4) == 0xC0000201u);
  CHECK(cdn::net::address_from_value(cdn::net::Family::V4, 0xC0000201u) == v4);
  CHECK(cdn::net::prefix_mask(cdn::net::Family::V4, 24) == 0xFFFFFF00u);
  CHECK(cdn::net::prefix_mask(cdn::net::Family::V6, 0) == 0);
  CHECK(cdn::net::prefix_mask(cdn::net::Family::V6, 128) == ~cdn::net::Bits128(0));
}
