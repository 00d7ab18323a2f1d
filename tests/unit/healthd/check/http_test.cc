// tests/unit/healthd/check/http_test.cc: tests healthd/check/http.cc against real HTTP and HTTPS
// servers on 127.0.0.1 (the HTTPS one with a certificate made at run time).
#include <doctest/doctest.h>

#include "tests/unit/healthd/servers.h"

namespace cdn::health {
namespace {

using namespace std::chrono_literals;
using namespace testing;

CheckSpec http_spec(const std::string& target, CheckKind kind = CheckKind::Http) {
  auto spec = spec_for(kind, target);
  spec.http.path = "/health";
  return spec;
}

TEST_CASE("an http check is up for a status in range and sends path and Host header") {
  HttpServer server({.status = 200, .body = "all good"});
  auto spec = http_spec(server.target());
  spec.http.host = "www.example.com";
  auto result = run_probe(spec);
  CHECK(result.up);
  CHECK(result.reason == "status 200");
  auto request = server.last_request();
  CHECK(request.starts_with("GET /health HTTP/1.1\r\n"));
  CHECK(request.find("\r\nHost: www.example.com\r\n") != std::string::npos);
}

TEST_CASE("without a Host option the target is the Host header") {
  HttpServer server({});
  REQUIRE(run_probe(http_spec(server.target())).up);
  CHECK(server.last_request().find("\r\nHost: " + server.target() + "\r\n") != std::string::npos);
}

TEST_CASE("a status outside the range is down and names the range") {
  HttpServer server({.status = 503, .body = "maintenance"});
  auto result = run_probe(http_spec(server.target()));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "status 503 (expected 200-399)");

  auto spec = http_spec(server.target());
  spec.http.status_min = 500;
  spec.http.status_max = 503;
  CHECK(run_probe(spec).up);
}

TEST_CASE("the body must contain the expected text when one is given") {
  SUBCASE("with Content-Length") {
    HttpServer server({.status = 200, .body = "status: degraded"});
    auto spec = http_spec(server.target());
    spec.http.body_contains = "status: ok";
    auto result = run_probe(spec);
    CHECK_FALSE(result.up);
    CHECK(result.reason == "status 200, body does not contain 'status: ok'");
    spec.http.body_contains = "degraded";
    CHECK(run_probe(spec).up);
  }
  SUBCASE("chunked, with the text split across chunks") {
    HttpServer server({.status = 200, .body = "abcdef", .chunked = true});
    auto spec = http_spec(server.target());
    spec.http.body_contains = "cde";
    auto result = run_probe(spec);
    CHECK(result.up);
    CHECK(result.reason == "status 200");
  }
}

TEST_CASE("a refused connection is down") {
  auto result = run_probe(http_spec(target_of(closed_port())));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "connect refused");
}

TEST_CASE("a server that never answers is cut off by cancel within the deadline") {
  HttpServer server({.hang = true});
  auto started = std::chrono::steady_clock::now();
  auto result = run_probe(http_spec(server.target()), 200ms);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK_FALSE(result.up);
  CHECK(result.reason == "receive: cancelled");
  CHECK(server.requests() == 1);
}

TEST_CASE("https with verification off accepts a self-signed certificate") {
  HttpServer server({.status = 204, .body = "", .tls = true});
  auto spec = http_spec(server.target(), CheckKind::Https);
  spec.http.verify_tls = false;
  spec.http.host = "localhost";
  auto result = run_probe(spec);
  CHECK(result.up);
  CHECK(result.reason == "status 204");
  CHECK(server.last_request().find("\r\nHost: localhost\r\n") != std::string::npos);
}

TEST_CASE("https with verification on refuses a self-signed certificate") {
  HttpServer server({.tls = true});
  auto spec = http_spec(server.target(), CheckKind::Https);
  auto result = run_probe(spec);
  CHECK_FALSE(result.up);
  CHECK(result.reason.starts_with("tls handshake: "));
  CHECK(result.reason.find("certificate verify failed") != std::string::npos);
}

TEST_CASE("plain http to an https server is down as a malformed response") {
  HttpServer server({.tls = true});
  auto result = run_probe(http_spec(server.target()));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "malformed response");
}

}  // namespace
}  // namespace cdn::health
