// tests/unit/dns/steer/edge_state_test.cc: tests dns/steer/edge_state.h
#include "dns/steer/edge_state.h"

#include <doctest/doctest.h>

namespace cdn::dns {
namespace {

constexpr double kLow = 0.7, kHigh = 0.9;

TEST_CASE("an edge serves up to the high mark and stays out until below the low mark") {
  OverloadHysteresis h;
  CHECK_FALSE(h.update(0.5, kLow, kHigh));
  CHECK_FALSE(h.update(0.9, kLow, kHigh));   // at the mark: still serving
  CHECK(h.update(0.91, kLow, kHigh));        // crossed it
  CHECK(h.update(0.8, kLow, kHigh));         // between the marks: stays out
  CHECK(h.update(0.7, kLow, kHigh));         // at the low mark: still out
  CHECK_FALSE(h.update(0.69, kLow, kHigh));  // below it: back
  CHECK_FALSE(h.update(0.85, kLow, kHigh));  // between the marks: stays in
  CHECK(h.overloaded() == false);
}

TEST_CASE("an edge serves only when up and not overloaded") {
  EdgeState s;
  CHECK(s.serving());
  s.report(Availability::Drain, 0.1, kLow, kHigh);
  CHECK_FALSE(s.serving());
  s.report(Availability::Up, 0.95, kLow, kHigh);
  CHECK_FALSE(s.serving());
  CHECK(s.load == doctest::Approx(0.95));
  s.report(Availability::Up, 0.75, kLow, kHigh);
  CHECK_FALSE(s.serving());
  s.report(Availability::Up, 0.5, kLow, kHigh);
  CHECK(s.serving());
  s.report(Availability::Down, 0.0, kLow, kHigh);
  CHECK_FALSE(s.serving());
}

}  // namespace
}  // namespace cdn::dns
