// healthd/daemon.h: cdn-healthd: the checks, the planner, the bridge's route feed and the edge
// monitor, behind one control socket.
//
// DOC: threads
//   healthd/checks   the Scheduler of the service checks (healthd/scheduler.h)
//   healthd/edges    a second Scheduler probing every steered edge's status URL
//   healthd/plan     evaluates the Planner on every check change and every 200 ms (drain
//                    countdowns, hold-downs, re-announce delays); publishes a new route
//                    generation when the desired set changes, and wakes the bridge's long poll
//   healthd/push     sends edge states to cdn-dnsd's control socket on each change and as a full
//                    sync every 5 s (a new connection each time, so a restarted cdn-dnsd is found)
//   control          one thread per connection (common/control)
//   metrics          the /metrics listener (common/metrics): checks, prefixes, edges, bridge
//
// DOC: start-up. Nothing is published to the bridge until every service check has a state, or
// until the slowest check could have reached one (interval x max(rise, fall) + timeout, plus
// jitter): a restarted healthd does not withdraw routes that are right while its checks warm up
// (the bridge keeps ExaBGP as it is until healthd's first full set).
//
// DOC: control commands (JSON lines)
//   status                 version, ready, generation, counts
//   health                 every check: state, last result, last change and why, changes
//   bgp-status             per prefix: desired state and reason, what the bridge confirmed
//   reload                 reads the database; a broken config is refused, the old one runs on
//   bridge-sync            the bridge's long poll:
//   {"generation":G,"wait_ms":N,"confirmed":{routes},
//                          "reports":[...],"exabgp":"up"} -> waits up to wait_ms for a generation
//                          other than G, then {"ok":true,"ready":B,"generation":G2,"routes":[...]}
#pragma once
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace cdn::health {

struct DaemonOptions {
  std::string db_path;
  std::string control_path;
  std::string dnsd_control;  // "" = no edge monitoring pushes
  std::string metrics;       // Prometheus /metrics on ADDR:PORT (port 0: any); "" = none
};

class Daemon {
 public:
  // Reads and validates the config (a broken one is a start-up error), starts every thread.
  static Result<std::unique_ptr<Daemon>> start(DaemonOptions options, const Clock& clock);
  ~Daemon();  // stops every thread
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  Result<int64_t> reload();  // the new version, or why the old one stays
  std::string ready_line_fields() const;

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cdn::health
