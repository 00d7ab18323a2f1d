// tests/unit/healthd/check/check_test.cc: tests healthd/check/check.cc (kinds, spec validation)
#include "healthd/check/check.h"

#include <doctest/doctest.h>

#include <string>

namespace cdn::health {
namespace {

using namespace std::chrono_literals;

CheckSpec valid(CheckKind kind) {
  CheckSpec spec;
  spec.name = "web";
  spec.kind = kind;
  spec.target = "192.0.2.1:80";
  spec.interval = 2000ms;
  spec.timeout = 1000ms;
  spec.dns.qname = "www.example.com.";
  spec.exec.argv = {"/bin/true"};
  return spec;
}

// The error text of validate(spec), or "" when it passes.
std::string error_of(const CheckSpec& spec) {
  auto ok = validate(spec);
  return ok ? std::string() : ok.error().text();
}

TEST_CASE("a complete spec of every kind is valid") {
  for (auto kind :
       {CheckKind::Tcp, CheckKind::Http, CheckKind::Https, CheckKind::Dns, CheckKind::Exec}) {
    CAPTURE(to_string(kind));
    CHECK(error_of(valid(kind)) == "");
  }
}

TEST_CASE("kind names read back and an unknown kind is named in the error") {
  CHECK(parse_check_kind("https").value() == CheckKind::Https);
  CHECK(parse_check_kind("exec").value() == CheckKind::Exec);
  auto bad = parse_check_kind("icmp");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().text() ==
        "kind: unknown check kind 'icmp' (expected tcp, http, https, dns or exec)");
}

TEST_CASE("a validation error names the check and the field") {
  auto spec = valid(CheckKind::Tcp);
  SUBCASE("empty name") {
    spec.name = "";
    CHECK(error_of(spec) == "check (unnamed): name: must not be empty");
  }
  SUBCASE("a timeout longer than the interval") {
    spec.timeout = 3000ms;
    CHECK(error_of(spec) == "check web: timeout: 3000 ms is longer than interval (2000 ms)");
  }
  SUBCASE("a zero interval") {
    spec.interval = 0ms;
    CHECK(error_of(spec) == "check web: interval: must be positive, got 0 ms");
  }
  SUBCASE("jitter above half the interval") {
    spec.jitter = 1500ms;
    CHECK(error_of(spec) == "check web: jitter: 1500 ms is more than half the interval (2000 ms)");
  }
  SUBCASE("rise and fall below one") {
    spec.rise = 0;
    CHECK(error_of(spec) == "check web: rise: must be at least 1");
    spec.rise = 1;
    spec.fall = 0;
    CHECK(error_of(spec) == "check web: fall: must be at least 1");
  }
  SUBCASE("a target that is not host:port") {
    spec.target = "example.com";
    CHECK(error_of(spec).starts_with("check web: target: "));
    spec.target = "192.0.2.1:0";
    CHECK(error_of(spec) == "check web: target: port 0 in '192.0.2.1:0'");
  }
}

TEST_CASE("http options are validated field by field") {
  auto spec = valid(CheckKind::Http);
  SUBCASE("path") {
    spec.http.path = "health";
    CHECK(error_of(spec) == "check web: http.path: must start with '/', got 'health'");
  }
  SUBCASE("host with a space") {
    spec.http.host = "a b";
    CHECK(error_of(spec) == "check web: http.host: must not contain spaces or control characters");
  }
  SUBCASE("status range") {
    spec.http.status_min = 300;
    spec.http.status_max = 200;
    CHECK(error_of(spec) == "check web: http.status: range 300-200 is not within 100-599");
  }
}

TEST_CASE("dns options are checked: name, type, rcode, address") {
  auto spec = valid(CheckKind::Dns);
  SUBCASE("no name") {
    spec.dns.qname = "";
    CHECK(error_of(spec) == "check web: dns.qname: must not be empty");
  }
  SUBCASE("unknown type") {
    spec.dns.qtype = "BOGUS";
    CHECK(error_of(spec) ==
          "check web: dns.qtype: unknown type 'BOGUS' (A, AAAA, SOA, TYPE65, ...)");
  }
  SUBCASE("unknown rcode") {
    spec.dns.rcode = "FINE";
    CHECK(error_of(spec) == "check web: dns.rcode: unknown rcode 'FINE' (NOERROR, NXDOMAIN, ...)");
  }
  SUBCASE("an expected address that is not one") {
    spec.dns.expect_address = "192.0.2";
    CHECK(error_of(spec) == "check web: dns.expect_address: '192.0.2' is not an IP address");
  }
  SUBCASE("a name with an empty label") {
    spec.dns.qname = "www..example.";
    CHECK(error_of(spec) == "check web: dns.qname: 'www..example.' is not a domain name");
  }
  SUBCASE("RFC 3597 type numbers") {
    spec.dns.qtype = "TYPE65";
    CHECK(error_of(spec) == "");
    spec.dns.qtype = "TYPE70000";
    CHECK(error_of(spec) != "");
  }
  SUBCASE("other types and rcodes by name") {
    spec.dns.qtype = "AAAA";
    spec.dns.rcode = "NXDOMAIN";
    spec.dns.expect_address = "2001:db8::1";
    CHECK(error_of(spec) == "");
  }
}

TEST_CASE("a list of specs is valid only with unique names") {
  auto a = valid(CheckKind::Tcp);
  auto b = valid(CheckKind::Http);
  CHECK(validate(std::vector{a, b}).error().text() ==
        "check web: name: used by more than one check");
  b.name = "web-http";
  CHECK(validate(std::vector{a, b}));
  b.rise = 0;
  CHECK(validate(std::vector{a, b}).error().text() == "check web-http: rise: must be at least 1");
}

TEST_CASE("exec needs a command, and exactly one command line with a shell") {
  auto spec = valid(CheckKind::Exec);
  spec.target = "";  // exec has no target
  CHECK(error_of(spec) == "");
  spec.exec.argv.clear();
  CHECK(error_of(spec) == "check web: exec.argv: needs a command");
  spec.exec.argv = {"test", "-f", "/run/ok"};
  spec.exec.shell = true;
  CHECK(error_of(spec) == "check web: exec.argv: with shell: true, give one command line");
}

}  // namespace
}  // namespace cdn::health
