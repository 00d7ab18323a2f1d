// healthd/daemon.cc: cdn-healthd's threads and control commands (see daemon.h).
#include "healthd/daemon.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/control/control.h"
#include "common/control/messages.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/net/endpoint.h"
#include "common/net/prefix.h"
#include "common/store/health_config.h"
#include "common/store/steer_config.h"
#include "healthd/daemon_impl.h"
#include "healthd/planner.h"
#include "healthd/scheduler.h"

namespace cdn::health {
namespace {

using namespace std::chrono_literals;

constexpr auto kEvaluateEvery = 200ms;
constexpr auto kPushEvery = 250ms;
constexpr auto kFullSyncEvery = 5s;

// The edge monitor's probe of one edge: its status URL over HTTP.
std::vector<CheckSpec> edge_specs(const store::SteerConfig& steer,
                                  const store::EdgeMonitorSettings& m) {
  std::vector<CheckSpec> out;
  for (const auto& edge : steer.edges) {
    if (steer.pools_using_edge(edge.name).empty()) continue;
    CheckSpec spec;
    spec.name = edge.name;
    spec.kind = CheckKind::Http;
    spec.target = edge.ipv4
                      ? edge.ipv4->text() + ":" + std::to_string(m.port)
                      : "[" + (edge.ipv6 ? edge.ipv6->text() : "") + "]:" + std::to_string(m.port);
    spec.interval = std::chrono::milliseconds(m.interval_ms);
    spec.timeout = std::chrono::milliseconds(m.timeout_ms);
    spec.jitter = spec.interval / 10;
    spec.rise = m.rise;
    spec.fall = m.fall;
    spec.http.path = m.path;
    spec.http.status_min = 200;
    spec.http.status_max = 299;
    spec.http.read_load = true;
    if (validate(spec)) out.push_back(std::move(spec));
  }
  return out;
}

bool same_specs(const std::vector<CheckSpec>& a, const std::vector<CheckSpec>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || to_json(a[i]) != to_json(b[i])) return false;
  }
  return true;
}

Clock::Duration warm_up(const std::vector<CheckSpec>& specs) {
  Clock::Duration longest{0};
  for (const auto& s : specs) {
    longest = std::max<Clock::Duration>(
        longest, s.interval * std::max(s.rise, s.fall) + s.timeout + s.jitter + 500ms);
  }
  return longest;
}

}  // namespace

void Daemon::Impl::wake() {
  {
    std::lock_guard lock(wake_mu);
    woken = true;
  }
  wake_cv.notify_all();
}

Scheduler::Callbacks Daemon::Impl::callbacks(const char* what) {
  Scheduler::Callbacks cb;
  cb.thread_name = std::string_view(what) == "edge" ? "healthd/edges" : "healthd/checks";
  cb.on_change = [this, what](const CheckSpec& spec, const Transition& t) {
    {
      std::lock_guard lock(history_mu);
      auto& h = history[std::string(what) + "/" + spec.name];
      h.last = t;
      ++h.changes;
    }
    wake();
  };
  return cb;
}

// The statuses of `running`'s checks whose spec is the same in `next`.
std::vector<CheckStatus> Daemon::Impl::carried(const std::unique_ptr<Scheduler>& running,
                                               const std::vector<CheckSpec>& before,
                                               const std::vector<CheckSpec>& next) {
  std::vector<CheckStatus> out;
  if (!running) return out;
  for (auto& status : running->statuses()) {
    const CheckSpec* old_spec = nullptr;
    const CheckSpec* new_spec = nullptr;
    for (const auto& s : before) old_spec = s.name == status.name ? &s : old_spec;
    for (const auto& s : next) new_spec = s.name == status.name ? &s : new_spec;
    if (old_spec && new_spec && to_json(*old_spec) == to_json(*new_spec)) {
      out.push_back(std::move(status));
    }
  }
  return out;
}

// Checks are started here; `state_mu` is held by the caller.
void Daemon::Impl::install(store::HealthConfig next, store::SteerConfig next_steer) {
  DampingPolicy per_check = damping;
  per_check.enabled = false;  // the planner damps per prefix (planner.h)
  if (!checks || !same_specs(check_specs, next.checks)) {
    // Checks whose spec did not change keep their state: adding one check must not make
    // every other one unknown again.
    auto kept = carried(checks, check_specs, next.checks);
    if (checks) checks->stop();
    checks.reset();
    check_specs = next.checks;
    if (!check_specs.empty()) {
      checks = std::make_unique<Scheduler>(check_specs, per_check, clock, callbacks("check"));
      checks->carry_over(kept);
      checks->start();
    }
    if (!ready) ready_deadline = clock.now() + warm_up(check_specs);
  }
  auto next_edges = edge_specs(next_steer, next.monitor);
  if (!same_specs(edge_check_specs, next_edges) || (!edges && !next_edges.empty())) {
    auto kept = carried(edges, edge_check_specs, next_edges);
    if (edges) edges->stop();
    edges.reset();
    edge_check_specs = std::move(next_edges);
    if (!edge_check_specs.empty() && !options.dnsd_control.empty()) {
      edges = std::make_unique<Scheduler>(edge_check_specs, per_check, clock, callbacks("edge"));
      edges->carry_over(kept);
      edges->start();
    }
  }
  planner.configure(next);
  config = std::move(next);
  steer = std::move(next_steer);
}

Result<int64_t> Daemon::Impl::load() {
  // One read of one version: the checks and the edges they probe agree.
  store::SteerConfig next_steer;
  auto next = store::read_health_config(options.db_path, &next_steer);
  if (!next) return next.error();
  int64_t version = next->version;
  {
    std::lock_guard lock(state_mu);
    install(std::move(*next), std::move(next_steer));
  }
  wake();
  return version;
}

std::vector<CheckStatus> Daemon::Impl::statuses(const std::unique_ptr<Scheduler>& s) const {
  return s ? s->statuses() : std::vector<CheckStatus>{};
}

void Daemon::Impl::evaluate() {
  std::unique_lock lock(state_mu);
  std::map<std::string, State> states;
  std::map<std::string, std::string> reasons;
  bool all_known = true;
  for (const auto& s : statuses(checks)) {
    states[s.name] = s.state;
    reasons[s.name] = s.reason;
    all_known &= s.state != State::Unknown;
  }
  Plan next = planner.evaluate(states, reasons, unix_seconds());
  for (const auto& p : next.prefixes) {
    auto old = std::find_if(plan.prefixes.begin(), plan.prefixes.end(),
                            [&](const PrefixStatus& o) { return o.prefix == p.prefix; });
    if (old == plan.prefixes.end() || old->state != p.state ||
        old->held_until.has_value() != p.held_until.has_value()) {
      log::info("prefix.change", {{"prefix", p.prefix},
                                  {"state", std::string(to_string(p.state))},
                                  {"held", p.held_until.has_value()},
                                  {"reason", p.reason}});
    }
  }
  bool changed = next.routes != plan.routes;
  plan = std::move(next);
  if (!ready && (all_known || clock.now() >= ready_deadline)) {
    ready = true;
    changed = true;
    log::info("routes.ready",
              {{"routes", uint64_t(plan.routes.routes.size())}, {"all_checks_known", all_known}});
  }
  if (ready && changed) {
    ++generation;
    lock.unlock();
    routes_cv.notify_all();
  }
}

void Daemon::Impl::plan_loop() {
  pthread_setname_np(pthread_self(), "healthd/plan");
  while (true) {
    std::unique_lock lock(wake_mu);
    wake_cv.wait_for(lock, kEvaluateEvery, [&] { return woken; });
    woken = false;
    lock.unlock();
    {
      std::lock_guard guard(state_mu);
      if (stop) return;
    }
    evaluate();
  }
}

std::vector<control::EdgeReport> Daemon::Impl::edge_report() const {
  std::vector<control::EdgeReport> out;
  std::lock_guard lock(state_mu);
  for (const auto& s : statuses(edges)) {
    bool local = std::find(config.monitor.local_edges.begin(), config.monitor.local_edges.end(),
                           s.name) != config.monitor.local_edges.end();
    control::EdgeReport e{s.name};
    if (local && plan.drain_all) {
      e.state = Availability::Drain;
    } else if (s.state == State::Up) {
      e.state = Availability::Up;
    } else if (s.state == State::Down || s.state == State::HeldDown) {
      e.state = Availability::Down;
    } else {
      continue;  // nothing known yet: cdn-dnsd keeps what it has
    }
    if (s.last && s.last->load) e.load = *s.last->load;
    out.push_back(std::move(e));
  }
  // Local edges not probed (no pool) still follow a drain of the box.
  if (plan.drain_all) {
    for (const auto& name : config.monitor.local_edges) {
      bool listed = std::any_of(out.begin(), out.end(),
                                [&](const control::EdgeReport& e) { return e.name == name; });
      if (!listed && steer.edge(name)) out.push_back({name, Availability::Drain, 0});
    }
  }
  return out;
}

void Daemon::Impl::push_loop() {
  pthread_setname_np(pthread_self(), "healthd/push");
  std::vector<control::EdgeReport> last_sent;
  std::optional<Clock::TimePoint> last_time;
  bool failing = false;
  while (true) {
    {
      std::unique_lock lock(wake_mu);
      wake_cv.wait_for(lock, kPushEvery);
    }
    {
      std::lock_guard guard(state_mu);
      if (stop) return;
    }
    control::EdgeStateRequest push;
    push.edges = edge_report();
    auto now = clock.now();
    bool due = !last_time || now - *last_time >= kFullSyncEvery || push.edges != last_sent;
    if (!due || push.edges.empty()) continue;
    auto reply = control::call(options.dnsd_control, control::encode(push), 2s);
    last_time = now;
    auto refused = reply ? control::refusal(*reply) : std::nullopt;
    if (!reply || refused) {
      std::string why = reply ? *refused : reply.error().text();
      if (!failing) log::warn("edge.push_failed", {{"to", options.dnsd_control}, {"error", why}});
      failing = true;
      // An edge cdn-dnsd does not know (older config) refuses only that edge: the rest is
      // applied, so this counts as sent.
      if (!reply) continue;
    } else if (failing) {
      log::info("edge.push_resumed", {{"to", options.dnsd_control}});
      failing = false;
    }
    last_sent = std::move(push.edges);
  }
}

void Daemon::Impl::shutdown() {
  {
    std::lock_guard lock(state_mu);
    stop = true;
  }
  routes_cv.notify_all();
  wake();
  metrics_listener.reset();
  server.reset();  // joins the connection threads (bridge-sync waits end on `stop`)
  if (plan_thread.joinable()) plan_thread.join();
  if (push_thread.joinable()) push_thread.join();
  std::lock_guard lock(state_mu);
  if (checks) checks->stop();
  if (edges) edges->stop();
}

Result<std::unique_ptr<Daemon>> Daemon::start(DaemonOptions options, const Clock& clock) {
  auto impl = std::make_unique<Impl>(std::move(options), clock);
  auto loaded = impl->load();
  if (!loaded) return loaded.error();
  auto* raw = impl.get();
  auto server = control::Server::start(raw->options.control_path,
                                       control::dispatch("healthd", raw->commands()));
  if (!server) {
    raw->shutdown();
    return server.error();
  }
  raw->server = std::move(*server);
  if (!raw->options.metrics.empty()) {
    auto where = net::parse_endpoint(raw->options.metrics);
    if (!where) {
      raw->shutdown();
      return Error("--metrics", where.error().text());
    }
    auto listener = metrics::Listener::start(*where, [raw] { return raw->metrics_text(); });
    if (!listener) {
      raw->shutdown();
      return listener.error();
    }
    raw->metrics_listener = std::move(*listener);
  }
  raw->plan_thread = std::thread([raw] { raw->plan_loop(); });
  if (!raw->options.dnsd_control.empty()) {
    raw->push_thread = std::thread([raw] { raw->push_loop(); });
  }
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() { impl_->shutdown(); }

Result<int64_t> Daemon::reload() { return impl_->load(); }

std::string Daemon::ready_line_fields() const {
  std::lock_guard lock(impl_->state_mu);
  std::string metrics =
      impl_->metrics_listener ? impl_->metrics_listener->endpoint().text() : std::string("off");
  return "control=" + impl_->options.control_path + " metrics=" + metrics +
         " version=" + std::to_string(impl_->config.version) +
         " checks=" + std::to_string(impl_->config.checks.size()) +
         " prefixes=" + std::to_string(impl_->config.prefixes.size()) +
         " edges=" + std::to_string(impl_->edge_check_specs.size());
}

}  // namespace cdn::health
