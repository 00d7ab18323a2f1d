// healthd/state_machine.h: turns the results of one check into its state, with rise/fall counting
// and flap damping. Pure: no I/O, time only from the injected Clock.
//
// DOC: A check starts `unknown`. `rise` consecutive successes make it up, `fall` consecutive
// failures make it down, from any state. Each up<->down change is remembered; when more than
// `max_changes` happened within `window`, the check is held down for the current hold-down time
// whatever its results say (the Meta 2021 and route-flap-damping lessons in
// shared/notes/anycast-anchors.md: a flapping prefix costs more than a withdrawn one). Changes
// keep being counted while held; when the hold-down ends, a check that is still flapping is held
// again for twice as long (up to `max_hold_down`); otherwise it takes the state its results give.
// Each full `decay_after` without a hold-down halves the hold-down time again, down to
// `hold_down`. Every transition carries its reason, for logs and `cdnctl health`.
#pragma once
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "healthd/check/check.h"

namespace cdn::health {

enum class State { Unknown, Up, Down, HeldDown };
std::string_view to_string(State state);

struct DampingPolicy {
  bool enabled = true;
  int max_changes = 4;  // more than this many up<->down changes in `window` holds the check down
  std::chrono::seconds window{60};
  std::chrono::seconds hold_down{30};       // the first hold-down
  std::chrono::seconds max_hold_down{600};  // doubling stops here
  std::chrono::seconds decay_after{300};    // each quiet period this long halves the hold-down
};

struct Transition {
  State from = State::Unknown;
  State to = State::Unknown;
  std::string reason;  // "3 consecutive failures: connect refused", "held down: 5 changes in 60 s"
  Clock::TimePoint at{};
  std::optional<Clock::TimePoint> held_until;  // set when `to` is HeldDown
};

class StateMachine {
 public:
  StateMachine(int rise, int fall, DampingPolicy damping, const Clock& clock);

  // Feeds one probe result; returns the transition it caused, if any.
  std::optional<Transition> observe(const CheckResult& result);
  // Ends a hold-down whose time is over, without waiting for the next result.
  std::optional<Transition> poll();
  // Starts in `state` (Up or Down; HeldDown counts as Down), as if rise or fall had just been
  // reached: a check carried over a config reload unchanged keeps what it knew. No transition.
  void seed(State state, std::string reason);

  State state() const { return state_; }
  State measured() const { return measured_; }  // what rise/fall say, hold-down aside
  const std::string& reason() const { return reason_; }
  std::optional<Clock::TimePoint> held_until() const;
  Clock::Duration next_hold_down() const { return hold_; }
  int recent_changes() const { return static_cast<int>(changes_.size()); }  // in the window

 private:
  std::optional<Transition> move_to(State next, std::string reason);
  std::optional<Transition> release_if_due();
  void decay();
  void forget_old_changes();

  int rise_;
  int fall_;
  DampingPolicy damping_;
  const Clock& clock_;  // borrowed: the daemon's clock outlives every check

  State state_ = State::Unknown;     // what the daemon acts on
  State measured_ = State::Unknown;  // rise/fall only
  std::string reason_ = "no result yet";
  int successes_ = 0;  // consecutive
  int failures_ = 0;   // consecutive
  std::string measured_reason_;

  std::deque<Clock::TimePoint> changes_;  // up<->down changes of `measured_`, oldest first
  Clock::Duration hold_;                  // the next hold-down's length
  Clock::TimePoint held_until_{};
  Clock::TimePoint last_damped_{};  // start of the decay count: the last hold-down's end
  bool held_ = false;
  bool ever_damped_ = false;
};

}  // namespace cdn::health
