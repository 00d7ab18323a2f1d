// healthd/daemon_impl.h: the state of a running cdn-healthd, shared by daemon.cc (loading the
// config, the plan and push threads, start and stop) and report.cc (the control commands,
// status documents and metrics). Internal to healthd.
#pragma once
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/control/control.h"
#include "common/control/messages.h"
#include "common/metrics.h"
#include "common/store/health_config.h"
#include "common/store/steer_config.h"
#include "healthd/daemon.h"
#include "healthd/planner.h"
#include "healthd/scheduler.h"

namespace cdn::health {

using Json = nlohmann::json;

// The bridge counts as connected while it polled within this time.
constexpr std::chrono::seconds kBridgeSeenWithin{5};
// The bridge's last reports kept for bgp-status.
constexpr size_t kKeptReports = 50;

inline int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline double seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

struct Daemon::Impl {
  DaemonOptions options;
  const Clock& clock;
  DampingPolicy damping;

  // Guards the running configuration and everything that runs from it, down to `stop`: the
  // schedulers, the plan and its generation, and what the bridge said last.
  mutable std::mutex state_mu;
  std::condition_variable routes_cv;  // generation changed, or stopping
  store::HealthConfig config;
  store::SteerConfig steer;
  std::unique_ptr<Scheduler> checks;
  std::unique_ptr<Scheduler> edges;
  std::vector<CheckSpec> check_specs;
  std::vector<CheckSpec> edge_check_specs;
  Planner planner;
  Plan plan;
  uint64_t generation = 0;
  bool ready = false;
  Clock::TimePoint ready_deadline{};
  // What the bridge said last.
  std::optional<Clock::TimePoint> bridge_seen;
  routing::RouteSet bridge_confirmed;
  std::string bridge_exabgp;
  std::deque<control::BridgeReport> bridge_reports;
  bool stop = false;

  // Check transitions, written from the scheduler threads.
  struct History {
    std::optional<Transition> last;
    uint64_t changes = 0;
  };
  std::mutex history_mu;
  std::map<std::string, History> history;

  // Wakes the plan and push threads early.
  std::mutex wake_mu;
  std::condition_variable wake_cv;
  bool woken = false;

  std::thread plan_thread;
  std::thread push_thread;
  std::unique_ptr<control::Server> server;
  std::unique_ptr<metrics::Listener> metrics_listener;

  Clock::TimePoint started;

  Impl(DaemonOptions o, const Clock& c)
      : options(std::move(o)), clock(c), damping(), planner(damping, c), started(c.now()) {}

  void wake();

  Scheduler::Callbacks callbacks(const char* what);

  // The statuses of `running`'s checks whose spec is the same in `next`.
  static std::vector<CheckStatus> carried(const std::unique_ptr<Scheduler>& running,
                                          const std::vector<CheckSpec>& before,
                                          const std::vector<CheckSpec>& next);

  // Checks are started here; `state_mu` is held by the caller.
  void install(store::HealthConfig next, store::SteerConfig next_steer);

  Result<int64_t> load();

  std::vector<CheckStatus> statuses(const std::unique_ptr<Scheduler>& s) const;

  void evaluate();

  void plan_loop();

  std::vector<control::EdgeReport> edge_report() const;

  void push_loop();

  std::vector<control::Command> commands();

  Json status_json() const;

  int64_t unix_of(Clock::TimePoint at) const;

  Json health_json();

  Json bgp_status_json() const;

  control::BridgeSyncReply bridge_sync(const control::BridgeSyncRequest& req);

  std::string metrics_text();

  void shutdown();
};

}  // namespace cdn::health
