// tests/unit/healthd/state_machine_test.cc: tests healthd/state_machine.cc with a ManualClock
#include "healthd/state_machine.h"

#include <doctest/doctest.h>

#include <string>

#include "common/clock.h"

namespace cdn::health {
namespace {

using namespace std::chrono_literals;

const CheckResult kUp{true, "connected", {}, {}};
const CheckResult kRefused{false, "connect refused", {}, {}};

DampingPolicy no_damping() {
  DampingPolicy d;
  d.enabled = false;
  return d;
}

// K = 4 changes in 60 s, 30 s first hold-down, doubling to at most 120 s, halving per 300 s quiet.
DampingPolicy damping() {
  DampingPolicy d;
  d.max_changes = 4;
  d.window = 60s;
  d.hold_down = 30s;
  d.max_hold_down = 120s;
  d.decay_after = 300s;
  return d;
}

// With rise = fall = 1 every result flips the state; returns the last transition.
std::optional<Transition> flip(StateMachine& m, ManualClock& clock, int times) {
  std::optional<Transition> last;
  for (int i = 0; i < times; ++i) {
    clock.advance(1s);
    auto t = m.observe(m.measured() == State::Up ? kRefused : kUp);
    if (t) last = t;
  }
  return last;
}

TEST_CASE("a check starts unknown and stays unknown until rise successes in a row") {
  ManualClock clock;
  StateMachine m(3, 3, no_damping(), clock);
  CHECK(m.state() == State::Unknown);
  CHECK(m.reason() == "no result yet");
  CHECK_FALSE(m.observe(kUp));
  CHECK_FALSE(m.observe(kUp));
  CHECK_FALSE(m.observe(kRefused));  // breaks the run of successes
  CHECK_FALSE(m.observe(kUp));
  CHECK_FALSE(m.observe(kUp));
  CHECK(m.state() == State::Unknown);
  auto t = m.observe(kUp);
  REQUIRE(t);
  CHECK(t->from == State::Unknown);
  CHECK(t->to == State::Up);
  CHECK(t->reason == "3 consecutive successes: connected");
  CHECK(t->at == clock.now());
  CHECK(m.state() == State::Up);
}

TEST_CASE("fall failures in a row make it down, with the last failure as reason") {
  ManualClock clock;
  StateMachine m(2, 3, no_damping(), clock);
  m.observe(kUp);
  m.observe(kUp);
  REQUIRE(m.state() == State::Up);
  CHECK_FALSE(m.observe(kRefused));
  CHECK_FALSE(m.observe(kRefused));
  CHECK_FALSE(m.observe(kUp));  // one success resets the count
  CHECK_FALSE(m.observe(kRefused));
  CHECK_FALSE(m.observe(kRefused));
  auto t = m.observe(kRefused);
  REQUIRE(t);
  CHECK(t->from == State::Up);
  CHECK(t->to == State::Down);
  CHECK(t->reason == "3 consecutive failures: connect refused");
  CHECK(m.reason() == "3 consecutive failures: connect refused");
}

TEST_CASE("an unknown check goes straight to down after fall failures") {
  ManualClock clock;
  StateMachine m(3, 2, no_damping(), clock);
  CHECK_FALSE(m.observe(kRefused));
  auto t = m.observe(kRefused);
  REQUIRE(t);
  CHECK(t->from == State::Unknown);
  CHECK(t->to == State::Down);
}

TEST_CASE("rise and fall of one give one-result singular reasons") {
  ManualClock clock;
  StateMachine m(1, 1, no_damping(), clock);
  CHECK(m.observe(kUp)->reason == "1 success: connected");
  CHECK(m.observe(kRefused)->reason == "1 failure: connect refused");
}

TEST_CASE("without damping a flapping check follows every result") {
  ManualClock clock;
  StateMachine m(1, 1, no_damping(), clock);
  for (int i = 0; i < 20; ++i) {
    clock.advance(1s);
    m.observe(i % 2 ? kRefused : kUp);
    CHECK(m.state() == (i % 2 ? State::Down : State::Up));
  }
}

TEST_CASE("more than K changes within the window hold the check down with the reason") {
  ManualClock clock;
  StateMachine m(1, 1, damping(), clock);
  // unknown -> up is not a change of an established state; then 4 changes are allowed.
  flip(m, clock, 5);
  CHECK(m.state() == State::Up);
  auto t = flip(m, clock, 1);  // the 5th change within 60 s
  REQUIRE(t);
  CHECK(t->from == State::Up);
  CHECK(t->to == State::HeldDown);
  CHECK(t->reason == "held down for 30 s: 5 changes in 60 s");
  REQUIRE(t->held_until);
  CHECK(*t->held_until == clock.now() + 30s);
  CHECK(m.held_until() == clock.now() + 30s);

  SUBCASE("results during the hold-down do not lift it") {
    clock.advance(10s);
    CHECK_FALSE(m.observe(kUp));
    CHECK(m.state() == State::HeldDown);
    CHECK(m.measured() == State::Up);
  }
  SUBCASE("after the hold-down a quiet check takes the state its results give") {
    clock.advance(10s);
    CHECK_FALSE(m.observe(kUp));
    clock.advance(20s);
    auto released = m.observe(kUp);
    REQUIRE(released);
    CHECK(released->from == State::HeldDown);
    CHECK(released->to == State::Up);
    CHECK(released->reason == "hold-down over, 1 success: connected");
    CHECK_FALSE(m.held_until());
  }
  SUBCASE("poll ends a hold-down that is over without waiting for a result") {
    clock.advance(29s);
    CHECK_FALSE(m.poll());
    clock.advance(1s);
    auto released = m.poll();
    REQUIRE(released);
    CHECK(released->to == m.measured());
  }
}

TEST_CASE("changes spread wider than the window never hold a check down") {
  ManualClock clock;
  StateMachine m(1, 1, damping(), clock);
  for (int i = 0; i < 30; ++i) {
    clock.advance(20s);  // at most 4 changes in any 60 s
    m.observe(i % 2 ? kRefused : kUp);
    CHECK(m.state() != State::HeldDown);
  }
}

TEST_CASE("repeated damping doubles the hold-down up to the maximum") {
  ManualClock clock;
  StateMachine m(1, 1, damping(), clock);
  flip(m, clock, 6);
  REQUIRE(m.state() == State::HeldDown);
  CHECK(*m.held_until() == clock.now() + 30s);
  CHECK(m.next_hold_down() == 60s);

  clock.advance(30s);
  m.poll();
  REQUIRE(m.state() != State::HeldDown);
  auto t = flip(m, clock, 5);
  REQUIRE(t);
  CHECK(t->reason == "held down for 60 s: 5 changes in 60 s");
  CHECK(m.next_hold_down() == 120s);

  clock.advance(60s);
  m.poll();
  t = flip(m, clock, 5);
  REQUIRE(t);
  CHECK(t->reason == "held down for 120 s: 5 changes in 60 s");
  CHECK(m.next_hold_down() == 120s);  // the maximum
}

TEST_CASE("a check still flapping when its hold-down ends is held again for longer") {
  ManualClock clock;
  StateMachine m(1, 1, damping(), clock);
  flip(m, clock, 6);
  REQUIRE(m.state() == State::HeldDown);
  flip(m, clock, 5);  // keeps flapping while held: 5 changes in the last 60 s
  REQUIRE(m.state() == State::HeldDown);
  clock.advance(25s);
  auto t = m.poll();
  REQUIRE(t);
  CHECK(t->from == State::HeldDown);
  CHECK(t->to == State::HeldDown);
  CHECK(t->reason == "held down again for 60 s: still flapping, 5 changes in 60 s");
  CHECK(*t->held_until == clock.now() + 60s);
}

TEST_CASE("the hold-down decays by half for each quiet period") {
  ManualClock clock;
  StateMachine m(1, 1, damping(), clock);
  flip(m, clock, 6);
  clock.advance(30s);
  m.poll();
  flip(m, clock, 5);  // second hold-down: 60 s, the next would be 120 s
  REQUIRE(m.next_hold_down() == 120s);
  clock.advance(60s);
  m.poll();
  REQUIRE(m.state() != State::HeldDown);

  clock.advance(299s);
  m.observe(m.measured() == State::Up ? kUp : kRefused);  // no change
  CHECK(m.next_hold_down() == 120s);
  clock.advance(1s);
  m.poll();
  CHECK(m.next_hold_down() == 60s);
  clock.advance(300s);
  m.poll();
  CHECK(m.next_hold_down() == 30s);
  clock.advance(3000s);
  m.poll();
  CHECK(m.next_hold_down() == 30s);  // never below the first hold-down

  auto t = flip(m, clock, 5);
  REQUIRE(t);
  CHECK(t->reason == "held down for 30 s: 5 changes in 60 s");
}

TEST_CASE("state names are what logs and cdnctl show") {
  CHECK(to_string(State::Unknown) == "unknown");
  CHECK(to_string(State::Up) == "up");
  CHECK(to_string(State::Down) == "down");
  CHECK(to_string(State::HeldDown) == "held-down");
}

TEST_CASE("a seeded check keeps its state until fall or rise says otherwise") {
  ManualClock clock;
  StateMachine up(3, 3, no_damping(), clock);
  up.seed(State::Up, "3 consecutive successes: connected");
  CHECK(up.state() == State::Up);
  CHECK(up.reason() == "3 consecutive successes: connected");
  CHECK_FALSE(up.observe(kRefused));  // one failure is not `fall`
  CHECK_FALSE(up.observe(kRefused));
  auto t = up.observe(kRefused);
  REQUIRE(t);
  CHECK(t->from == State::Up);
  CHECK(t->to == State::Down);

  StateMachine down(2, 2, no_damping(), clock);
  down.seed(State::HeldDown, "held down");  // counts as down
  CHECK(down.state() == State::Down);
  CHECK_FALSE(down.observe(kUp));
  REQUIRE(down.observe(kUp));
  CHECK(down.state() == State::Up);

  StateMachine unknown(2, 2, no_damping(), clock);
  unknown.seed(State::Unknown, "x");  // nothing to carry
  CHECK(unknown.state() == State::Unknown);
}

}  // namespace
}  // namespace cdn::health
