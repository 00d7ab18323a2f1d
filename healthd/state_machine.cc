// healthd/state_machine.cc: rise/fall counting and flap damping (see the header's overview).
#include "healthd/state_machine.h"

#include <algorithm>
#include <utility>

#include "common/enum_text.h"

namespace cdn::health {
namespace {

std::string count(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string seconds(Clock::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

constexpr std::array<std::string_view, 4> kStateWords = {"unknown", "up", "down", "held-down"};

std::string_view to_string(State state) { return enum_text<State::HeldDown>(state, kStateWords); }

StateMachine::StateMachine(int rise, int fall, DampingPolicy damping, const Clock& clock)
    : rise_(std::max(rise, 1)),
      fall_(std::max(fall, 1)),
      damping_(damping),
      clock_(clock),
      hold_(damping.hold_down) {}

std::optional<Clock::TimePoint> StateMachine::held_until() const {
  if (!held_) return std::nullopt;
  return held_until_;
}

std::optional<Transition> StateMachine::observe(const CheckResult& result) {
  decay();
  State next = measured_;
  if (result.up) {
    ++successes_;
    failures_ = 0;
    if (successes_ >= rise_ && measured_ != State::Up) {
      next = State::Up;
      measured_reason_ = count(successes_, "success", "consecutive successes");
    }
  } else {
    ++failures_;
    successes_ = 0;
    if (failures_ >= fall_ && measured_ != State::Down) {
      next = State::Down;
      measured_reason_ = count(failures_, "failure", "consecutive failures");
    }
  }
  bool changed = next != measured_;
  if (changed) {
    if (!result.reason.empty()) measured_reason_ += ": " + result.reason;
    if (measured_ != State::Unknown) changes_.push_back(clock_.now());
    measured_ = next;
  }
  forget_old_changes();

  if (held_) return release_if_due();
  if (damping_.enabled && static_cast<int>(changes_.size()) > damping_.max_changes) {
    auto now = clock_.now();
    std::string reason = "held down for " + seconds(hold_) + ": " +
                         std::to_string(changes_.size()) + " changes in " +
                         seconds(damping_.window);
    held_ = true;
    ever_damped_ = true;
    held_until_ = now + hold_;
    hold_ = std::min<Clock::Duration>(hold_ * 2, damping_.max_hold_down);
    changes_.clear();  // counted afresh while held
    return move_to(State::HeldDown, std::move(reason));
  }
  if (changed) return move_to(measured_, measured_reason_);
  return std::nullopt;
}

std::optional<Transition> StateMachine::poll() {
  decay();
  return release_if_due();
}

std::optional<Transition> StateMachine::release_if_due() {
  auto now = clock_.now();
  if (!held_ || now < held_until_) return std::nullopt;
  forget_old_changes();
  if (damping_.enabled && static_cast<int>(changes_.size()) > damping_.max_changes) {
    std::string reason = "held down again for " + seconds(hold_) + ": still flapping, " +
                         std::to_string(changes_.size()) + " changes in " +
                         seconds(damping_.window);
    held_until_ = now + hold_;
    hold_ = std::min<Clock::Duration>(hold_ * 2, damping_.max_hold_down);
    changes_.clear();
    return move_to(State::HeldDown, std::move(reason));
  }
  held_ = false;
  last_damped_ = now;
  return move_to(measured_, "hold-down over, " + measured_reason_);
}

void StateMachine::decay() {
  if (held_ || !ever_damped_ || damping_.decay_after.count() <= 0) return;
  auto now = clock_.now();
  Clock::Duration period = damping_.decay_after;
  auto periods = (now - last_damped_) / period;
  last_damped_ += periods * period;
  for (; periods > 0 && hold_ > Clock::Duration(damping_.hold_down); --periods) {
    hold_ = std::max<Clock::Duration>(hold_ / 2, damping_.hold_down);
  }
}

void StateMachine::forget_old_changes() {
  auto now = clock_.now();
  while (!changes_.empty() && now - changes_.front() > damping_.window) changes_.pop_front();
}

std::optional<Transition> StateMachine::move_to(State next, std::string reason) {
  Transition t;
  t.from = state_;
  t.to = next;
  t.reason = std::move(reason);
  t.at = clock_.now();
  if (next == State::HeldDown) t.held_until = held_until_;
  state_ = next;
  reason_ = t.reason;
  return t;
}

void StateMachine::seed(State state, std::string reason) {
  if (state == State::Unknown) return;
  bool up = state == State::Up;
  state_ = measured_ = up ? State::Up : State::Down;
  successes_ = up ? rise_ : 0;
  failures_ = up ? 0 : fall_;
  reason_ = measured_reason_ = std::move(reason);
}

}  // namespace cdn::health
