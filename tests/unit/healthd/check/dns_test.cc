// tests/unit/healthd/check/dns_test.cc: tests healthd/check/dns.cc against a DNS responder on
// 127.0.0.1 (UDP and TCP on one port) built in the test.
#include <doctest/doctest.h>

#include "tests/unit/healthd/servers.h"

namespace cdn::health {
namespace {

using namespace testing;

CheckSpec dns_spec(const std::string& target, const std::string& qname) {
  auto spec = spec_for(CheckKind::Dns, target);
  spec.dns.qname = qname;
  return spec;
}

TEST_CASE("a dns check is up when the rcode matches and the answer holds the address") {
  DnsResponder server("www.example.com.", {192, 0, 2, 7});
  auto spec = dns_spec(server.target(), "www.example.com.");
  spec.dns.expect_address = "192.0.2.7";
  auto result = run_probe(spec);
  CHECK(result.up);
  CHECK(result.reason == "rcode NOERROR, answer has 192.0.2.7");
  CHECK(server.udp_queries() == 1);
  CHECK(server.tcp_queries() == 0);
}

TEST_CASE("a different address in the answer is down") {
  DnsResponder server("www.example.com.", {192, 0, 2, 7});
  auto spec = dns_spec(server.target(), "www.example.com.");
  spec.dns.expect_address = "192.0.2.8";
  auto result = run_probe(spec);
  CHECK_FALSE(result.up);
  CHECK(result.reason == "rcode NOERROR, answer lacks 192.0.2.8");
}

TEST_CASE("an unexpected rcode is down; an expected NXDOMAIN is up") {
  DnsResponder server("www.example.com.", {192, 0, 2, 7});
  auto spec = dns_spec(server.target(), "missing.example.com.");
  auto result = run_probe(spec);
  CHECK_FALSE(result.up);
  CHECK(result.reason == "rcode NXDOMAIN (expected NOERROR)");
  spec.dns.rcode = "NXDOMAIN";
  CHECK(run_probe(spec).up);
}

TEST_CASE("a truncated udp answer is asked again over tcp") {
  DnsResponder server("www.example.com.", {198, 51, 100, 1}, /*truncate_udp=*/true);
  auto spec = dns_spec(server.target(), "www.example.com.");
  spec.dns.expect_address = "198.51.100.1";
  auto result = run_probe(spec);
  CHECK(result.up);
  CHECK(result.reason == "rcode NOERROR over tcp, answer has 198.51.100.1");
  CHECK(server.udp_queries() == 1);
  CHECK(server.tcp_queries() == 1);
}

TEST_CASE("a silent dns server is cut off by cancel") {
  // A bound UDP port that nobody reads.
  asio::io_context io;
  udp::socket silent(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto result = run_probe(dns_spec(target_of(silent.local_endpoint().port()), "www.example.com."),
                          std::chrono::milliseconds(200));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "udp receive: cancelled");
}

}  // namespace
}  // namespace cdn::health
