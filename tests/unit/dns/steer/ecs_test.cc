// tests/unit/dns/steer/ecs_test.cc: tests dns/steer/ecs.cc
#include "dns/steer/ecs.h"

#include <doctest/doctest.h>

#include "tests/unit/dns/steer/steer_fixtures.h"

namespace cdn::dns {
namespace {

using test::addr;

ClientSubnet subnet(const char* address, uint8_t source) {
  net::Address a = addr(address);
  ClientSubnet s;
  s.family = a.family == net::Family::V4 ? 1 : 2;
  s.source_prefix = source;
  std::copy(a.bytes.begin(), a.bytes.begin() + (a.family == net::Family::V4 ? 4 : 16), s.address);
  return s;
}

TEST_CASE("without ECS the resolver's address is steered and the scope is the matched length") {
  auto c = steering_client(nullptr, addr("198.51.100.7"));
  CHECK(c.address == addr("198.51.100.7"));
  CHECK_FALSE(c.from_ecs);
  CHECK(ecs_scope(c, 18) == 18);
}

TEST_CASE("an IPv4 source prefix longer than /24 is truncated to /24") {
  auto ecs = subnet("192.0.2.129", 32);
  auto c = steering_client(&ecs, addr("198.51.100.7"));
  CHECK(c.address == addr("192.0.2.0"));
  CHECK(c.source_prefix == 24);
  CHECK(ecs_scope(c, 28) == 24);  // never longer than the source
  CHECK(ecs_scope(c, 15) == 15);
}

TEST_CASE("an IPv6 source prefix longer than /56 is truncated to /56") {
  auto ecs = subnet("2001:db8:1:2ff::", 64);
  auto c = steering_client(&ecs, addr("198.51.100.7"));
  CHECK(c.address == addr("2001:db8:1:200::"));
  CHECK(c.source_prefix == 56);
  CHECK(ecs_scope(c, 64) == 56);
  CHECK(ecs_scope(c, 48) == 48);
}

TEST_CASE("a shorter source prefix is kept and bounds the scope") {
  auto ecs = subnet("192.0.2.0", 20);
  auto c = steering_client(&ecs, addr("198.51.100.7"));
  CHECK(c.source_prefix == 20);
  CHECK(ecs_scope(c, 24) == 20);
}

TEST_CASE("source prefix 0 steers for the resolver with scope 0") {
  auto ecs = subnet("0.0.0.0", 0);
  auto c = steering_client(&ecs, addr("198.51.100.7"));
  CHECK(c.address == addr("198.51.100.7"));
  CHECK(c.from_ecs);
  CHECK(ecs_scope(c, 16) == 0);
}

}  // namespace
}  // namespace cdn::dns
