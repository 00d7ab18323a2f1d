// healthd/scheduler.h: runs every check concurrently on one Asio io_context and thread, feeds each
// result into the check's StateMachine and reports every state change.
//
// DOC: Each check has its own interval timer and its own timeout timer. A probe starts when its
// interval timer fires; the timeout timer cancels it (sockets closed, process group killed) and
// counts a failure "timeout after N ms", so a hanging target costs its own check one timeout and
// never delays another. The next probe is due one interval after the previous one was due, moved
// by up to +/- jitter each time (the first one by up to +jitter, to spread start-up); when a probe
// overran, the next one starts at once. A hold-down that is over ends with the next result, at
// most one interval late. Callbacks run on the scheduler's thread.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "healthd/check/check.h"
#include "healthd/state_machine.h"

namespace cdn::health {

struct CheckStatus {
  std::string name;
  State state = State::Unknown;
  std::string reason;
  std::optional<CheckResult> last;  // the latest probe's result
  std::optional<Clock::TimePoint> held_until;
  uint64_t probes = 0;
};

class Scheduler {
 public:
  struct Callbacks {
    std::function<void(const CheckSpec&, const Transition&)> on_change;
    std::function<void(const CheckSpec&, const CheckResult&)> on_result;  // every probe; optional
    const char* thread_name = "healthd/checks";  // the probing thread's name (15 chars at most)
  };

  // Every spec must have passed validate(); names must be unique.
  Scheduler(std::vector<CheckSpec> specs, DampingPolicy damping, const Clock& clock,
            Callbacks callbacks);
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Before start(): checks named in `previous` (of an older Scheduler, with specs the caller
  // knows unchanged) start in the state they had, with their last result and probe count.
  void carry_over(const std::vector<CheckStatus>& previous);
  void start();  // the checks run on the thread "healthd/checks" until stop()
  void stop();   // ends every probe in flight and joins the thread
  std::vector<CheckStatus> statuses() const;  // from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cdn::health
