// healthd/report.cc: what cdn-healthd tells: its control commands, the status, health and
// bgp-status documents, the bridge's long poll and the metrics.
#include <algorithm>

#include "common/log.h"
#include "common/net/prefix.h"
#include "healthd/daemon_impl.h"

namespace cdn::health {

std::vector<control::Command> Daemon::Impl::commands() {
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

Json Daemon::Impl::status_json() const {
  std::lock_guard lock(state_mu);
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

int64_t Daemon::Impl::unix_of(Clock::TimePoint at) const {
  return unix_seconds() - static_cast<int64_t>(seconds(clock.now() - at));
}

Json Daemon::Impl::health_json() {
  std::map<std::string, History> events;
  {
    std::lock_guard lock(history_mu);
    events = history;
  }
  std::lock_guard lock(state_mu);
  control::HealthReply reply;
  reply.version = config.version;
  auto list = [&](const char* what, const std::unique_ptr<Scheduler>& s,
                  const std::vector<CheckSpec>& specs) {
    std::vector<control::CheckHealth> items;
    auto sts = statuses(s);
    for (const auto& spec : specs) {
      control::CheckHealth item;
      item.name = spec.name;
      item.kind = std::string(to_string(spec.kind));
      item.target = spec.target;
      for (const auto& st : sts) {
        if (st.name != spec.name) continue;
        item.state = std::string(to_string(st.state));
        item.reason = st.reason;
        item.probes = st.probes;
        if (st.last) {
          item.last = control::ProbeResult{st.last->up, st.last->reason,
                                           static_cast<double>(st.last->latency.count()) / 1000.0,
                                           st.last->load};
        }
        if (st.held_until) item.held_until = unix_of(*st.held_until);
      }
      if (auto it = events.find(std::string(what) + "/" + spec.name); it != events.end()) {
        item.changes = it->second.changes;
        if (it->second.last) {
          const auto& t = *it->second.last;
          item.last_change = control::StateChange{unix_of(t.at), std::string(to_string(t.from)),
                                                  std::string(to_string(t.to)), t.reason};
        }
      }
      items.push_back(std::move(item));
    }
    return items;
  };
  reply.checks = list("check", checks, check_specs);
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
    reply.services.push_back({svc.name, svc.checks, svc.shared, state});
  }
  reply.edges = list("edge", edges, edge_check_specs);
  return control::encode(reply);
}

Json Daemon::Impl::bgp_status_json() const {
  std::lock_guard lock(state_mu);
  control::BgpStatusReply reply;
  reply.version = config.version;
  reply.ready = ready;
  reply.generation = generation;
  reply.local_as = config.bgp.local_as;
  const auto& confirmed = bridge_confirmed.routes;
  auto now = clock.now();
  const bool have_bridge = bridge_seen.has_value();
  for (const auto& p : plan.prefixes) {
    control::PrefixStatus item;
    item.prefix = p.prefix;
    item.desired = std::string(to_string(p.state));
    item.reason = p.reason;
    item.alerts = p.alerts;
    item.changes = p.changes;
    if (p.held_until) item.held_for_s = std::max(0.0, seconds(*p.held_until - now));
    if (p.announce_at) item.announce_in_s = std::max(0.0, seconds(*p.announce_at - now));
    auto parsed = net::parse_prefix(p.prefix);
    auto c = parsed ? confirmed.find(*parsed) : confirmed.end();
    if (!have_bridge) {
      item.confirmed = "unknown";
    } else {
      item.confirmed = c == confirmed.end() ? "withdrawn" : "announced";
    }
    bool want = p.state != PrefixState::Withdrawn;
    item.in_sync = have_bridge && (want == (c != confirmed.end()));
    if (want && c != confirmed.end()) {
      auto route = plan.routes.routes.find(c->first);
      if (route != plan.routes.routes.end()) item.in_sync = route->second == c->second;
    }
    reply.prefixes.push_back(std::move(item));
  }
  reply.bridge.connected = bridge_seen && now - *bridge_seen < kBridgeSeenWithin;
  if (bridge_seen) reply.bridge.last_seen_s = seconds(now - *bridge_seen);
  reply.bridge.exabgp = bridge_exabgp;
  reply.bridge.reports.assign(bridge_reports.begin(), bridge_reports.end());
  return control::encode(reply);
}

control::BridgeSyncReply Daemon::Impl::bridge_sync(const control::BridgeSyncRequest& req) {
  std::unique_lock lock(state_mu);
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

std::string Daemon::Impl::metrics_text() {
  std::map<std::string, History> events;
  {
    std::lock_guard lock(history_mu);
    events = history;
  }
  std::lock_guard lock(state_mu);
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
    metrics::append_header(out, prefix + "_changes_total", "counter", "State changes since start.");
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

}  // namespace cdn::health
