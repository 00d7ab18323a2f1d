// dns/steer/edge_state.h: what the query path knows about an edge right now: up, down or
// draining (from cdn-healthd), its load (0..1 of capacity), and whether it is overloaded.
// Overload has hysteresis so that traffic spills over smoothly instead of flapping: an edge
// whose load rises above the high mark is overloaded, and it stays so until its load falls
// below the low mark. Between the marks an edge keeps the state it had.
#pragma once
#include <cstdint>
#include <string_view>

#include "common/availability.h"  // Availability: up, down, drain

namespace cdn::dns {

class OverloadHysteresis {
 public:
  // One load report against the marks (low <= high); returns whether the edge is overloaded.
  bool update(double load, double low, double high) noexcept {
    if (!overloaded_ && load > high) overloaded_ = true;
    if (overloaded_ && load < low) overloaded_ = false;
    return overloaded_;
  }
  bool overloaded() const noexcept { return overloaded_; }

 private:
  bool overloaded_ = false;
};

struct EdgeState {
  Availability availability = Availability::Up;
  float load = 0;
  OverloadHysteresis overload;

  bool serving() const noexcept {
    return availability == Availability::Up && !overload.overloaded();
  }
  void report(Availability now, double load_now, double low, double high) noexcept {
    availability = now;
    load = float(load_now);
    overload.update(load_now, low, high);
  }
};

}  // namespace cdn::dns
