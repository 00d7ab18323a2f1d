// tests/unit/healthd/scheduler_test.cc: tests healthd/scheduler.cc with real targets on 127.0.0.1
#include "healthd/scheduler.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "tests/unit/healthd/servers.h"

namespace cdn::health {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using SteadyTime = std::chrono::steady_clock::time_point;

// Everything the scheduler reports, waited on with a deadline.
class Recorder {
 public:
  struct Seen {
    SteadyTime at;
    CheckResult result;
  };

  Scheduler::Callbacks callbacks() {
    return {[this](const CheckSpec& spec, const Transition& t) {
              std::lock_guard lock(mutex_);
              changes_[spec.name].push_back(t);
              changed_.notify_all();
            },
            [this](const CheckSpec& spec, const CheckResult& r) {
              std::lock_guard lock(mutex_);
              results_[spec.name].push_back({std::chrono::steady_clock::now(), r});
              changed_.notify_all();
            }};
  }

  // Waits until `done` holds (called under the lock) or `limit` passes; returns `done`'s value.
  template <class Predicate>
  bool wait(std::chrono::milliseconds limit, Predicate done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return done(*this); });
  }

  std::vector<Seen> results(const std::string& name) {
    std::lock_guard lock(mutex_);
    return results_[name];
  }
  std::vector<Transition> changes(const std::string& name) {
    std::lock_guard lock(mutex_);
    return changes_[name];
  }

  // For predicates (the lock is held).
  size_t result_count(const std::string& name) { return results_[name].size(); }
  size_t change_count(const std::string& name) { return changes_[name].size(); }

 private:
  std::mutex mutex_;  // guards results_ and changes_
  std::condition_variable changed_;
  std::map<std::string, std::vector<Seen>> results_;
  std::map<std::string, std::vector<Transition>> changes_;
};

CheckSpec tcp_spec(const std::string& name, const std::string& target,
                   std::chrono::milliseconds interval) {
  auto spec = spec_for(CheckKind::Tcp, target);
  spec.name = name;
  spec.interval = interval;
  spec.timeout = interval;
  spec.rise = 2;
  spec.fall = 2;
  REQUIRE(validate(spec));
  return spec;
}

TEST_CASE("state changes reach the callback with their reasons, and statuses show them") {
  TcpListener listener;
  SystemClock clock;
  Recorder seen;
  Scheduler scheduler({tcp_spec("alive", listener.target(), 20ms),
                       tcp_spec("dead", target_of(closed_port()), 20ms)},
                      DampingPolicy{}, clock, seen.callbacks());
  scheduler.start();
  REQUIRE(seen.wait(
      5s, [](Recorder& r) { return r.change_count("alive") >= 1 && r.change_count("dead") >= 1; }));
  auto alive = seen.changes("alive").front();
  CHECK(alive.from == State::Unknown);
  CHECK(alive.to == State::Up);
  CHECK(alive.reason == "2 consecutive successes: connected");
  auto dead = seen.changes("dead").front();
  CHECK(dead.to == State::Down);
  CHECK(dead.reason == "2 consecutive failures: connect refused");

  auto statuses = scheduler.statuses();
  REQUIRE(statuses.size() == 2);
  CHECK(statuses[0].name == "alive");
  CHECK(statuses[0].state == State::Up);
  CHECK(statuses[1].state == State::Down);
  CHECK(statuses[1].reason == "2 consecutive failures: connect refused");
  REQUIRE(statuses[1].last);
  CHECK(statuses[1].last->reason == "connect refused");
  CHECK(statuses[1].probes >= 2);
  scheduler.stop();
}

TEST_CASE("a hanging target times out without delaying the other checks") {
  HttpServer hang({.hang = true});
  TcpListener listener;
  SystemClock clock;
  Recorder seen;

  auto slow = spec_for(CheckKind::Http, hang.target());
  slow.name = "hang";
  slow.interval = 2000ms;
  slow.timeout = 800ms;
  slow.rise = slow.fall = 1;
  REQUIRE(validate(slow));
  auto fast = tcp_spec("fast", listener.target(), 50ms);

  Scheduler scheduler({slow, fast}, DampingPolicy{}, clock, seen.callbacks());
  scheduler.start();
  REQUIRE(seen.wait(10s, [](Recorder& r) { return r.result_count("hang") >= 1; }));
  scheduler.stop();

  auto hung = seen.results("hang").front();
  CHECK_FALSE(hung.result.up);
  CHECK(hung.result.reason == "timeout after 800 ms");
  CHECK(hung.result.latency >= 800ms);
  REQUIRE(seen.changes("hang").size() == 1);
  CHECK(seen.changes("hang").front().reason == "1 failure: timeout after 800 ms");

  // While the hanging probe waited out its 800 ms, the 50 ms check kept its pace.
  auto fast_results = seen.results("fast");
  size_t during = 0;
  auto longest_gap = std::chrono::steady_clock::duration::zero();
  for (size_t i = 0; i < fast_results.size(); ++i) {
    CHECK(fast_results[i].result.up);
    if (fast_results[i].at < hung.at) ++during;
    if (i > 0) longest_gap = std::max(longest_gap, fast_results[i].at - fast_results[i - 1].at);
  }
  CAPTURE(during);
  CHECK(during >= 8);
  CHECK(longest_gap < 400ms);
}

TEST_CASE("an exec check that hangs is killed at its timeout and counted as a failure") {
  SystemClock clock;
  Recorder seen;
  auto spec = spec_for(CheckKind::Exec, "");
  spec.name = "sleeper";
  spec.exec.argv = {"sleep", "30"};
  spec.interval = 1000ms;
  spec.timeout = 200ms;
  spec.fall = 1;
  REQUIRE(validate(spec));
  Scheduler scheduler({spec}, DampingPolicy{}, clock, seen.callbacks());
  scheduler.start();
  REQUIRE(seen.wait(5s, [](Recorder& r) { return r.change_count("sleeper") >= 1; }));
  scheduler.stop();
  auto change = seen.changes("sleeper").front();
  CHECK(change.to == State::Down);
  CHECK(change.reason == "1 failure: timeout after 200 ms");
}

TEST_CASE("probes repeat at the interval, moved by no more than the jitter") {
  TcpListener listener;
  SystemClock clock;
  Recorder seen;
  auto spec = tcp_spec("jittered", listener.target(), 100ms);
  spec.timeout = 50ms;
  spec.jitter = 20ms;
  REQUIRE(validate(spec));
  Scheduler scheduler({spec}, DampingPolicy{}, clock, seen.callbacks());
  scheduler.start();
  REQUIRE(seen.wait(10s, [](Recorder& r) { return r.result_count("jittered") >= 6; }));
  scheduler.stop();
  auto results = seen.results("jittered");
  // Five intervals of 100 ms, the ends moved by up to 20 ms each; the results arrive a connect
  // later than the probes start, and the first connect may be the slowest.
  auto span = results[5].at - results[0].at;
  CAPTURE(std::chrono::duration_cast<std::chrono::milliseconds>(span).count());
  CHECK(span >= 5 * 100ms - 2 * 20ms - 30ms);
  CHECK(span < 5 * 100ms + 2 * 20ms + 300ms);
}

TEST_CASE("stopping with probes in flight ends them and returns") {
  HttpServer hang({.hang = true});
  SystemClock clock;
  Recorder seen;
  auto spec = spec_for(CheckKind::Http, hang.target());
  spec.name = "hang";
  spec.interval = 10s;
  spec.timeout = 10s;
  Scheduler scheduler({spec}, DampingPolicy{}, clock, seen.callbacks());
  scheduler.start();
  REQUIRE(hang.wait_requests(1, 5s));
  auto started = std::chrono::steady_clock::now();
  scheduler.stop();
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(seen.results("hang").empty());
}

}  // namespace
}  // namespace cdn::health
