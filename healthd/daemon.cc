// healthd/daemon.cc: cdn-healthd's threads and control commands (see daemon.h).
#include "healthd/daemon.h"

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
#include "healthd/planner.h"
#include "healthd/scheduler.h"

namespace cdn::health {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kEvaluateEvery = 200ms;
constexpr auto kPushEvery = 250ms;
constexpr auto kFullSyncEvery = 5s;
constexpr auto kBridgeSeenWithin = 5s;
constexpr size_t kKeptReports = 50;

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

// The edge monitor's probe of one edge: its status URL over HTTP.
std::vector<CheckSpec> edge_specs(const store::SteerConfig& steer,
                                  const store::EdgeMonitorSettings& m) {
  std::vector<CheckSpec> out;
  for (const auto& edge : steer.edges) {
    if (steer.pools_using_edge(edge.name).empty()) continue;
    CheckSpec spec;
    spec.name = edge.name;
    spec.kind = CheckKind::Http;
    spec.target = !edge.ipv4.empty() ? edge.ipv4 + ":" + std::to_string(m.port)
                                     : "[" + edge.ipv6 + "]:" + std::to_string(m.port);
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

struct Daemon::Impl {
  DaemonOptions options;
  const Clock& clock;
  DampingPolicy damping;

  // Guards everything below up to `stop`.
  mutable std::mutex mu;
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
  std::mutex events_mu;
  std::map<std::string, History> history;

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

  void wake() {
    {
      std::lock_guard lock(wake_mu);
      woken = true;
    }
    wake_cv.notify_all();
  }

  Scheduler::Callbacks callbacks(const char* what) {
    Scheduler::Callbacks cb;
    cb.on_change = [this, what](const CheckSpec& spec, const Transition& t) {
      {
        std::lock_guard lock(events_mu);
        auto& h = history[std::string(what) + "/" + spec.name];
        h.last = t;
        ++h.changes;
      }
      wake();
    };
    return cb;
  }

  // The statuses of `running`'s checks whose spec is the same in `next`.
  static std::vector<CheckStatus> carried(const std::unique_ptr<Scheduler>& running,
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

  // Checks are started here; `mu` is held by the caller.
  void install(store::HealthConfig next, store::SteerConfig next_steer) {
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

  Result<int64_t> load() {
    // One read of one version: the checks and the edges they probe agree.
    store::SteerConfig next_steer;
    auto next = store::read_health_config(options.db_path, &next_steer);
    if (!next) return next.error();
    int64_t version = next->version;
    {
      std::lock_guard lock(mu);
      install(std::move(*next), std::move(next_steer));
    }
    wake();
    return version;
  }

  std::vector<CheckStatus> statuses(const std::unique_ptr<Scheduler>& s) const {
    return s ? s->statuses() : std::vector<CheckStatus>{};
  }

  void evaluate() {
    std::unique_lock lock(mu);
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

  void plan_loop() {
    while (true) {
      std::unique_lock lock(wake_mu);
      wake_cv.wait_for(lock, kEvaluateEvery, [&] { return woken; });
      woken = false;
      lock.unlock();
      {
        std::lock_guard guard(mu);
        if (stop) return;
      }
      evaluate();
    }
  }

  std::vector<control::EdgeReport> edge_report() const {
    std::vector<control::EdgeReport> out;
    std::lock_guard lock(mu);
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

  void push_loop() {
    std::vector<control::EdgeReport> last_sent;
    std::optional<Clock::TimePoint> last_time;
    bool failing = false;
    while (true) {
      {
        std::unique_lock lock(wake_mu);
        wake_cv.wait_for(lock, kPushEvery);
      }
      {
        std::lock_guard guard(mu);
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

  std::vector<control::Command> commands() {
    std::vector<control::Command> out;
    out.push_back(control::command<control::StatusRequest>(
        "Version, readiness, checks, prefixes, routes announced, edges probed",
        [this](const control::StatusRequest&) { return status_json(); }));
    out.push_back(control::command<control::ReloadRequest>(
        "Load the current config version (checks whose spec did not change keep their state)",
        [this](const control::ReloadRequest&) {
          auto v = load();
          if (!v) {
            log::warn("reload.failed", {{"error", v.error().text()}});
            return control::error_reply(v.error().text());
          }
          log::info("config.loaded", {{"version", *v}});
          return control::encode(control::ReloadReply{*v});
        }));
    out.push_back(control::command<control::HealthRequest>(
        "Every check, service and edge probe: state, last result, last change and why",
        [this](const control::HealthRequest&) { return health_json(); }));
    out.push_back(control::command<control::BgpStatusRequest>(
        "Each prefix: desired state and why, hold-down, what the bridge confirmed",
        [this](const control::BgpStatusRequest&) { return bgp_status_json(); }));
    out.push_back(control::command<control::BridgeSyncRequest>(
        "The bridge's long poll: its confirmations in, the desired routes out",
        [this](const control::BridgeSyncRequest& r) { return control::encode(bridge_sync(r)); }));
    return out;
  }

  Json status_json() const {
    std::lock_guard lock(mu);
    control::StatusReply status;
    status.daemon = "healthd";
    status.version = config.version;
    status.uptime_s = static_cast<int64_t>(seconds(clock.now() - started));
    Json out = control::encode(status);
    out["ready"] = ready;
    out["generation"] = generation;
    out["checks"] = config.checks.size();
    out["prefixes"] = config.prefixes.size();
    out["announced"] = plan.routes.routes.size();
    out["edges"] = edge_check_specs.size();
    return out;
  }

  Json unix_of(Clock::TimePoint at) const {
    return unix_seconds() - static_cast<int64_t>(seconds(clock.now() - at));
  }

  Json health_json() {
    std::map<std::string, History> events;
    {
      std::lock_guard lock(events_mu);
      events = history;
    }
    std::lock_guard lock(mu);
    Json out = control::ok_reply();
    out["version"] = config.version;
    auto list = [&](const char* what, const std::unique_ptr<Scheduler>& s,
                    const std::vector<CheckSpec>& specs) {
      Json items = Json::array();
      auto sts = statuses(s);
      for (const auto& spec : specs) {
        Json item{{"name", spec.name},
                  {"kind", std::string(to_string(spec.kind))},
                  {"target", spec.target},
                  {"state", "unknown"},
                  {"reason", "not started"},
                  {"changes", 0},
                  {"probes", 0}};
        for (const auto& st : sts) {
          if (st.name != spec.name) continue;
          item["state"] = std::string(to_string(st.state));
          item["reason"] = st.reason;
          item["probes"] = st.probes;
          if (st.last) {
            item["last"] =
                Json{{"up", st.last->up},
                     {"reason", st.last->reason},
                     {"latency_ms", static_cast<double>(st.last->latency.count()) / 1000.0}};
            if (st.last->load) item["last"]["load"] = *st.last->load;
          }
          if (st.held_until) item["held_until"] = unix_of(*st.held_until);
        }
        if (auto it = events.find(std::string(what) + "/" + spec.name); it != events.end()) {
          item["changes"] = it->second.changes;
          if (it->second.last) {
            const auto& t = *it->second.last;
            item["last_change"] = Json{{"at", unix_of(t.at)},
                                       {"from", std::string(to_string(t.from))},
                                       {"to", std::string(to_string(t.to))},
                                       {"reason", t.reason}};
          }
        }
        items.push_back(std::move(item));
      }
      return items;
    };
    out["checks"] = list("check", checks, check_specs);
    Json services = Json::array();
    auto sts = statuses(checks);
    for (const auto& svc : config.services) {
      std::string state = "up";
      for (const auto& c : svc.checks) {
        for (const auto& st : sts) {
          if (st.name != c) continue;
          if (st.state == State::Down || st.state == State::HeldDown) state = "down";
          if (st.state == State::Unknown && state == "up") state = "unknown";
        }
      }
      services.push_back(Json{
          {"name", svc.name}, {"checks", svc.checks}, {"shared", svc.shared}, {"state", state}});
    }
    out["services"] = std::move(services);
    out["edges"] = list("edge", edges, edge_check_specs);
    return out;
  }

  Json bgp_status_json() const {
    std::lock_guard lock(mu);
    Json out = control::ok_reply();
    out["version"] = config.version;
    out["ready"] = ready;
    out["generation"] = generation;
    out["local_as"] = config.bgp.local_as;
    const auto& confirmed = bridge_confirmed.routes;
    Json prefixes = Json::array();
    auto now = clock.now();
    for (const auto& p : plan.prefixes) {
      Json item{{"prefix", p.prefix},
                {"desired", std::string(to_string(p.state))},
                {"reason", p.reason},
                {"alerts", p.alerts},
                {"changes", p.changes}};
      if (p.held_until) item["held_for_s"] = std::max(0.0, seconds(*p.held_until - now));
      if (p.announce_at) item["announce_in_s"] = std::max(0.0, seconds(*p.announce_at - now));
      bool have_bridge = bridge_seen.has_value();
      auto parsed = net::parse_prefix(p.prefix);
      auto c = parsed ? confirmed.find(*parsed) : confirmed.end();
      if (!have_bridge) {
        item["confirmed"] = "unknown";
      } else {
        item["confirmed"] = c == confirmed.end() ? "withdrawn" : "announced";
      }
      bool want = p.state != PrefixState::Withdrawn;
      item["in_sync"] = have_bridge && (want == (c != confirmed.end()));
      if (want && c != confirmed.end()) {
        auto route = plan.routes.routes.find(c->first);
        if (route != plan.routes.routes.end()) item["in_sync"] = route->second == c->second;
      }
      prefixes.push_back(std::move(item));
    }
    out["prefixes"] = std::move(prefixes);
    Json bridge{{"connected", bridge_seen && now - *bridge_seen < kBridgeSeenWithin}};
    if (bridge_seen) bridge["last_seen_s"] = seconds(now - *bridge_seen);
    bridge["exabgp"] = bridge_exabgp;
    Json reports = Json::array();
    for (const auto& r : bridge_reports) reports.push_back(control::encode(r));
    bridge["reports"] = std::move(reports);
    out["bridge"] = std::move(bridge);
    return out;
  }

  control::BridgeSyncReply bridge_sync(const control::BridgeSyncRequest& req) {
    std::unique_lock lock(mu);
    bridge_seen = clock.now();
    bridge_confirmed = req.confirmed;
    bridge_exabgp = req.exabgp;
    for (const auto& report : req.reports) {
      log::info("bridge.report", {{"kind", report.kind},
                                  {"prefix", report.prefix},
                                  {"line", report.line},
                                  {"detail", report.detail}});
      bridge_reports.push_back(report);
      if (bridge_reports.size() > kKeptReports) bridge_reports.pop_front();
    }
    routes_cv.wait_for(lock, std::chrono::milliseconds(req.wait_ms),
                       [&] { return stop || (ready && generation != req.generation); });
    control::BridgeSyncReply out;
    out.ready = ready;
    out.generation = generation;
    out.version = config.version;
    if (ready) out.routes = plan.routes;
    return out;
  }

  std::string metrics_text() {
    std::map<std::string, History> events;
    {
      std::lock_guard lock(events_mu);
      events = history;
    }
    std::lock_guard lock(mu);
    std::string out;
    metrics::append_header(out, "cdn_healthd_config_version", "gauge",
                           "Config version healthd runs.");
    metrics::append_sample(out, "cdn_healthd_config_version", "", uint64_t(config.version));
    auto checks_of = [&](const char* what, const std::unique_ptr<Scheduler>& s) {
      std::string prefix = std::string("cdn_healthd_") + what;
      auto sts = statuses(s);
      metrics::append_header(out, prefix + "_up", "gauge",
                             std::string("1 while the ") + what + " is up (rise/fall applied).");
      for (const auto& st : sts) {
        metrics::append_sample(out, prefix + "_up", std::string(what) + "=\"" + st.name + "\"",
                               st.state == State::Up ? 1 : 0);
      }
      metrics::append_header(out, prefix + "_probes_total", "counter", "Probes run.");
      for (const auto& st : sts) {
        metrics::append_sample(out, prefix + "_probes_total",
                               std::string(what) + "=\"" + st.name + "\"", st.probes);
      }
      metrics::append_header(out, prefix + "_changes_total", "counter",
                             "State changes since start.");
      for (const auto& st : sts) {
        auto it = events.find(std::string(what) + "/" + st.name);
        metrics::append_sample(out, prefix + "_changes_total",
                               std::string(what) + "=\"" + st.name + "\"",
                               it == events.end() ? 0 : it->second.changes);
      }
    };
    checks_of("check", checks);
    checks_of("edge", edges);
    metrics::append_header(out, "cdn_healthd_prefix_announced", "gauge",
                           "1 while the prefix is desired announced (also while draining).");
    for (const auto& p : plan.prefixes) {
      metrics::append_sample(out, "cdn_healthd_prefix_announced", "prefix=\"" + p.prefix + "\"",
                             p.state != PrefixState::Withdrawn ? 1 : 0);
    }
    metrics::append_header(out, "cdn_healthd_prefix_held_down", "gauge",
                           "1 while the prefix is held withdrawn by flap damping.");
    for (const auto& p : plan.prefixes) {
      metrics::append_sample(out, "cdn_healthd_prefix_held_down", "prefix=\"" + p.prefix + "\"",
                             p.held_until ? 1 : 0);
    }
    metrics::append_header(out, "cdn_healthd_bridge_connected", "gauge",
                           "1 while cdn-exabgp-bridge polls (seen in the last 5 s).");
    metrics::append_sample(out, "cdn_healthd_bridge_connected", "",
                           bridge_seen && clock.now() - *bridge_seen < kBridgeSeenWithin ? 1 : 0);
    return out;
  }

  void shutdown() {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    routes_cv.notify_all();
    wake();
    metrics_listener.reset();
    server.reset();  // joins the connection threads (bridge-sync waits end on `stop`)
    if (plan_thread.joinable()) plan_thread.join();
    if (push_thread.joinable()) push_thread.join();
    std::lock_guard lock(mu);
    if (checks) checks->stop();
    if (edges) edges->stop();
  }
};

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
  std::lock_guard lock(impl_->mu);
  std::string metrics =
      impl_->metrics_listener ? impl_->metrics_listener->endpoint().text() : std::string("off");
  return "control=" + impl_->options.control_path + " metrics=" + metrics +
         " version=" + std::to_string(impl_->config.version) +
         " checks=" + std::to_string(impl_->config.checks.size()) +
         " prefixes=" + std::to_string(impl_->config.prefixes.size()) +
         " edges=" + std::to_string(impl_->edge_check_specs.size());
}

}  // namespace cdn::health
