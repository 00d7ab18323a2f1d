// healthd/planner.cc: services -> prefix states -> routes (see planner.h).
#include "healthd/planner.h"

#include "common/enum_text.h"
#include "common/net/prefix.h"

namespace cdn::health {
namespace {

struct Verdict {
  State state = State::Unknown;  // Up, Down or Unknown
  std::string reason;
  std::vector<std::string> alerts;
};

Verdict judge(const store::HealthConfig& config, const store::AnycastPrefix& prefix,
              const std::map<std::string, State>& checks,
              const std::map<std::string, std::string>& reasons) {
  Verdict out;
  bool unknown = false;
  std::string unknown_reason;
  for (const auto& name : prefix.services) {
    const auto* service = config.service(name);
    if (!service) continue;  // build_health_config refused such a config
    std::string down;
    bool service_unknown = false;
    for (const auto& check : service->checks) {
      auto it = checks.find(check);
      State s = it == checks.end() ? State::Unknown : it->second;
      if (s == State::Down || s == State::HeldDown) {
        auto r = reasons.find(check);
        down = "check " + check + " " + std::string(to_string(s)) +
               (r != reasons.end() && !r->second.empty() ? ": " + r->second : "");
        break;
      }
      if (s == State::Unknown) service_unknown = true;
    }
    if (!down.empty()) {
      if (service->shared) {
        out.alerts.push_back("shared service " + name + " down (" + down + "), not withdrawn");
      } else if (out.state != State::Down) {
        out.state = State::Down;
        out.reason = "service " + name + " down: " + down;
      }
    } else if (service_unknown && !service->shared && !unknown) {
      unknown = true;
      unknown_reason = "service " + name + ": waiting for check results";
    }
  }
  if (out.state == State::Down) return out;
  if (unknown) {
    out.state = State::Unknown;
    out.reason = unknown_reason;
    return out;
  }
  out.state = State::Up;
  out.reason = "services up";
  return out;
}

}  // namespace

constexpr std::array<std::string_view, 3> kPrefixStateWords = {"announced", "draining",
                                                               "withdrawn"};

std::string_view to_string(PrefixState state) {
  return enum_text<PrefixState::Withdrawn>(state, kPrefixStateWords);
}

Result<routing::Route> make_route(const store::AnycastPrefix& prefix, uint32_t prepend,
                                  bool graceful_shutdown) {
  routing::Route route;
  auto p = net::parse_prefix(prefix.prefix);
  if (!p) return p.error();
  route.prefix = *p;
  auto hop = net::parse_address(prefix.next_hop);
  if (!hop) return hop.error();
  route.next_hop = *hop;
  for (const auto& text : prefix.communities) {
    auto c = routing::parse_community(text);
    if (!c) return c.error();
    route.communities.push_back(*c);
  }
  if (graceful_shutdown) route.communities.push_back(routing::kGracefulShutdown);
  for (const auto& text : prefix.large_communities) {
    auto c = routing::parse_large_community(text);
    if (!c) return c.error();
    route.large_communities.push_back(*c);
  }
  route.med = prefix.med;
  route.prepend = prepend;
  if (auto ok = routing::check_route(route); !ok) return ok.error();
  return route;
}

Planner::Planner(DampingPolicy damping, const Clock& clock) : damping_(damping), clock_(clock) {}

void Planner::configure(const store::HealthConfig& config) {
  config_ = config;
  std::map<std::string, Tracked> kept;
  for (const auto& p : config_.prefixes) {
    auto it = tracked_.find(p.prefix);
    if (it != tracked_.end()) {
      kept.emplace(p.prefix, std::move(it->second));
    } else {
      kept.emplace(p.prefix,
                   Tracked{StateMachine(1, 1, damping_, clock_), false, {}, State::Unknown});
    }
  }
  tracked_ = std::move(kept);
}

Plan Planner::evaluate(const std::map<std::string, State>& checks,
                       const std::map<std::string, std::string>& reasons, int64_t unix_now) {
  Plan plan;
  auto now = clock_.now();
  auto delay = std::chrono::milliseconds(config_.bgp.reannounce_delay_ms);
  size_t drained = 0;
  for (const auto& prefix : config_.prefixes) {
    auto& t = tracked_.at(prefix.prefix);
    PrefixStatus status;
    status.prefix = prefix.prefix;
    Verdict v = judge(config_, prefix, checks, reasons);
    status.alerts = std::move(v.alerts);

    // Damping, on the prefix's own up/down history.
    if (v.state != State::Unknown) {
      t.damped.observe(CheckResult{v.state == State::Up, v.reason, {}, {}});
    } else {
      t.damped.poll();
    }
    State damped = v.state == State::Unknown && t.damped.state() == State::Unknown
                       ? State::Unknown
                       : t.damped.state();
    if (damped == State::Down || damped == State::HeldDown) t.was_down = true;
    if (damped == State::Up && t.last != State::Up) {
      t.up_since = t.was_down ? std::optional(now) : std::nullopt;
    }
    t.last = damped;
    status.held_until = t.damped.held_until();

    const auto* drain = config_.drain_for(prefix.prefix);
    if (damped == State::HeldDown) {
      status.reason = t.damped.reason();
    } else if (damped != State::Up) {
      status.reason = v.state == State::Up ? t.damped.reason() : v.reason;
    } else if (t.up_since && now < *t.up_since + delay) {
      status.announce_at = *t.up_since + delay;
      status.reason =
          "recovered, re-announce delay (" + std::to_string(delay.count() / 1000) + " s) running";
    } else if (drain) {
      int64_t left = drain->started + drain->graceful_seconds - unix_now;
      if (left > 0) {
        auto route = make_route(prefix, config_.bgp.drain_prepend, true);
        if (route) {
          status.state = PrefixState::Draining;
          status.reason = "graceful drain by operator: withdrawn in " + std::to_string(left) + " s";
          plan.routes.routes[route->prefix] = std::move(*route);
        } else {
          status.reason = "cannot build the route: " + route.error().text();
        }
      } else {
        status.reason =
            "drained by operator" + std::string(drain->target == store::kDrainAll ? " (all)" : "");
      }
    } else {
      auto route = make_route(prefix, 0, false);
      if (route) {
        status.state = PrefixState::Announced;
        status.reason = v.reason;
        plan.routes.routes[route->prefix] = std::move(*route);
      } else {
        status.reason = "cannot build the route: " + route.error().text();
      }
    }
    if (drain) ++drained;
    status.changes = t.damped.recent_changes();
    plan.prefixes.push_back(std::move(status));
  }
  plan.drain_all = config_.drain_for("") != nullptr ||
                   (!config_.prefixes.empty() && drained == config_.prefixes.size());
  return plan;
}

}  // namespace cdn::health
