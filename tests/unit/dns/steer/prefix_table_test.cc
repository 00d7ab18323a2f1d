// tests/unit/dns/steer/prefix_table_test.cc: tests dns/steer/prefix_table.cc
#include "dns/steer/prefix_table.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/dns/steer/steer_fixtures.h"

namespace cdn::dns {
namespace {

using test::addr;
using test::net;

constexpr uint32_t kFill = 0;

std::vector<std::string> texts(const std::vector<RankedPrefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& p : prefixes) out.push_back(p.network.text() + "=" + std::to_string(p.ranking));
  return out;
}

TEST_CASE("merging fills the gaps so that the whole IPv4 space is covered") {
  auto merged = merge_prefixes(net::Family::V4, {{net("128.0.0.0/2"), 7}}, kFill);
  REQUIRE(merged.has_value());
  CHECK(texts(*merged) ==
        std::vector<std::string>{"0.0.0.0/1=0", "128.0.0.0/2=7", "192.0.0.0/2=0"});
}

TEST_CASE("sibling prefixes with the same ranking merge repeatedly") {
  auto merged = merge_prefixes(net::Family::V4,
                               {{net("10.0.0.0/16"), 1},
                                {net("10.1.0.0/16"), 1},
                                {net("10.2.0.0/15"), 1},
                                {net("10.4.0.0/16"), 2}},
                               kFill);
  REQUIRE(merged.has_value());
  bool found14 = false;
  for (const auto& p : *merged) {
    if (p.network == net("10.0.0.0/14")) found14 = p.ranking == 1;
    CHECK(p.network.length > 0);
  }
  CHECK(found14);
}

TEST_CASE("filled gaps merge with neighbours of the fill ranking") {
  // An unknown /16 between two gaps makes the whole space one prefix of the fill ranking.
  auto merged = merge_prefixes(net::Family::V4, {{net("10.0.0.0/16"), kFill}}, kFill);
  REQUIRE(merged.has_value());
  CHECK(texts(*merged) == std::vector<std::string>{"0.0.0.0/0=0"});
}

TEST_CASE("overlapping or wrong-family prefixes are refused") {
  CHECK_FALSE(
      merge_prefixes(net::Family::V4, {{net("10.0.0.0/8"), 1}, {net("10.1.0.0/16"), 2}}, kFill)
          .has_value());
  CHECK_FALSE(merge_prefixes(net::Family::V4, {{net("2001:db8::/32"), 1}}, kFill).has_value());
}

TEST_CASE("an IPv4 lookup finds the entry at both ends of its range") {
  auto table = PrefixTable::build(
      net::Family::V4,
      {{net("10.0.0.0/16"), 1}, {net("10.1.0.0/16"), 2}, {net("255.255.255.0/24"), 3}}, kFill);
  REQUIRE(table.has_value());
  struct Case {
    const char* address;
    uint32_t ranking;
    int length;
  };
  for (const Case& c :
       {Case{"10.0.0.0", 1, 16}, Case{"10.0.255.255", 1, 16}, Case{"10.1.0.0", 2, 16},
        Case{"10.1.255.255", 2, 16}, Case{"9.255.255.255", kFill, 7},  // 8.0.0.0/7 of the fill
        Case{"10.2.0.0", kFill, 15}, Case{"0.0.0.0", kFill, 5}, Case{"255.255.255.255", 3, 24},
        Case{"255.255.254.255", kFill, 24}}) {
    CAPTURE(c.address);
    auto m = table->lookup(addr(c.address));
    CHECK(m.ranking == c.ranking);
    CHECK(int(m.prefix_length) == c.length);
  }
}

TEST_CASE("an IPv6 lookup finds prefixes across the 64-bit halves") {
  auto table = PrefixTable::build(net::Family::V6,
                                  {{net("2001:db8::/32"), 1},
                                   {net("2001:db8:1:2::/64"), 2},  // overlaps the /32
                                   {net("ffff::/16"), 3}},
                                  kFill);
  CHECK_FALSE(table.has_value());
  table = PrefixTable::build(net::Family::V6,
                             {{net("2001:db8::/33"), 1},
                              {net("2001:db8:8000::/65"), 2},
                              {net("2001:db8:8000:0:8000::/65"), 5},
                              {net("ffff::/16"), 3}},
                             kFill);
  REQUIRE(table.has_value());
  struct Case {
    const char* address;
    uint32_t ranking;
    int length;
  };
  for (const Case& c :
       {Case{"2001:db8::", 1, 33}, Case{"2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", 1, 33},
        Case{"2001:db8:8000::1", 2, 65}, Case{"2001:db8:8000:0:7fff:ffff:ffff:ffff", 2, 65},
        Case{"2001:db8:8000:0:8000::", 5, 65}, Case{"2001:db8:8000:0:ffff:ffff:ffff:ffff", 5, 65},
        Case{"2001:db8:8000:1::", kFill, 64}, Case{"::", kFill, 3},
        Case{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 3, 16}}) {
    CAPTURE(c.address);
    auto m = table->lookup(addr(c.address));
    CHECK(m.ranking == c.ranking);
    CHECK(int(m.prefix_length) == c.length);
  }
  CHECK(table->entry(0).network == net("::/3"));
}

TEST_CASE("an empty table and a wrong-family address find nothing") {
  PrefixTable empty;
  CHECK(empty.lookup(addr("192.0.2.1")).prefix_length == 0);
  auto table = PrefixTable::build(net::Family::V4, {{net("10.0.0.0/8"), 1}}, kFill);
  REQUIRE(table.has_value());
  CHECK(table->lookup(addr("2001:db8::1")).ranking == 0);
}

}  // namespace
}  // namespace cdn::dns
