// healthd/planner.h: from check states to the routes this box should announce. Pure: no I/O,
// steady time from the injected Clock, wall time (for drains, which survive restarts) passed in.
//
// DOC: one evaluation, per anycast prefix
//   1. Services: a service is up when all its checks are up, down when one is down or held
//      down, unknown otherwise. The prefix's local services decide: all up = up, one down =
//      down, else unknown (nothing known yet: not announced). A shared service that is down is
//      reported on the prefix ("alert") and never withdraws it.
//   2. Damping: the prefix's up/down changes feed a StateMachine with rise = fall = 1 (the
//      checks already counted rise and fall); more than max_changes in the window holds the
//      prefix withdrawn for a hold-down that doubles while it keeps flapping.
//   3. Re-announce delay: after a down (or a hold-down) the prefix waits reannounce_delay more
//      once it is up again; the first up after start-up does not wait.
//   4. Drain: a drain of the prefix (or of "all") announces it with the AS path prepended and
//      GRACEFUL_SHUTDOWN (RFC 8326) until started + graceful_seconds, then withdraws it. A
//      prefix that is down is withdrawn whatever the drain says.
// The result is the desired RouteSet plus, per prefix, its state and the reason, for
// `cdnctl bgp status` and the logs.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/route.h"
#include "common/store/health_config.h"
#include "healthd/state_machine.h"

namespace cdn::health {

enum class PrefixState { Announced, Draining, Withdrawn };
std::string_view to_string(PrefixState state);

struct PrefixStatus {
  std::string prefix;
  PrefixState state = PrefixState::Withdrawn;
  std::string reason;                           // "services up", "service dns down: check ..."
  std::vector<std::string> alerts;              // shared services that are down
  std::optional<Clock::TimePoint> held_until;   // flap hold-down
  std::optional<Clock::TimePoint> announce_at;  // waiting for the re-announce delay
  int changes = 0;                              // up/down changes in the damping window
};

struct Plan {
  routing::RouteSet routes;
  std::vector<PrefixStatus> prefixes;  // by prefix
  bool drain_all = false;              // every prefix is drained: steering drains local edges
};

class Planner {
 public:
  Planner(DampingPolicy damping, const Clock& clock);

  // Takes a new configuration; prefixes that stay keep their damping and delay state.
  void configure(const store::HealthConfig& config);
  // `checks`: each check's state by name; a missing check counts as unknown.
  Plan evaluate(const std::map<std::string, State>& checks,
                const std::map<std::string, std::string>& reasons, int64_t unix_now);

 private:
  struct Tracked {
    StateMachine damped;
    bool was_down = false;                     // down since start: recovery waits the delay
    std::optional<Clock::TimePoint> up_since;  // damped up since (after a down)
    State last = State::Unknown;
  };

  DampingPolicy damping_;
  const Clock& clock_;
  store::HealthConfig config_;
  std::map<std::string, Tracked> tracked_;  // by prefix text
};

// The route announced for `prefix` (already validated by build_health_config); `prepend`
// extra copies of the local AS and GRACEFUL_SHUTDOWN when draining.
Result<routing::Route> make_route(const store::AnycastPrefix& prefix, uint32_t prepend,
                                  bool graceful_shutdown);

}  // namespace cdn::health
