// common/clock.h: the time source that timers and windows read, injected so tests can move it.
// Only main() builds a SystemClock; tests build a ManualClock and call advance(5s).
#pragma once
#include <atomic>
#include <chrono>

namespace cdn {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// Monotonic time (std::chrono::steady_clock).
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// Moves only when told to. Safe to read from several threads while one advances it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{} + std::chrono::hours(1))
      : ticks_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Duration(ticks_.load())); }
  void advance(Duration by) { ticks_ += by.count(); }
  void set(TimePoint to) { ticks_ = to.time_since_epoch().count(); }

 private:
  std::atomic<Duration::rep> ticks_;
};

}  // namespace cdn
