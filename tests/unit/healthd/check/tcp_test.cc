// tests/unit/healthd/check/tcp_test.cc: tests healthd/check/tcp.cc against a real listener
#include <doctest/doctest.h>

#include "tests/unit/healthd/servers.h"

namespace cdn::health {
namespace {

using namespace testing;

TEST_CASE("a tcp check is up when the target accepts the connection") {
  TcpListener listener;
  auto result = run_probe(spec_for(CheckKind::Tcp, listener.target()));
  CHECK(result.up);
  CHECK(result.reason == "connected");
}

TEST_CASE("a tcp check is down with 'connect refused' when nothing listens") {
  auto result = run_probe(spec_for(CheckKind::Tcp, target_of(closed_port())));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "connect refused");
}

}  // namespace
}  // namespace cdn::health
