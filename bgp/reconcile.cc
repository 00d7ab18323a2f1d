#include "bgp/reconcile.h"

#include <algorithm>
#include <set>
#include <utility>

namespace cdn::bgp {

std::string_view kind_name(Report::Kind kind) {
  switch (kind) {
    case Report::Kind::Applied:
      return "applied";
    case Report::Kind::Failed:
      return "failed";
    case Report::Kind::Rejected:
      return "rejected";
    case Report::Kind::IgnoredDiff:
      return "ignored_diff";
    case Report::Kind::UnexpectedAck:
      return "unexpected_ack";
    case Report::Kind::HealthdGone:
      return "healthd_gone";
  }
  return "unknown";
}

Result<Reconciler> Reconciler::create(ReconcileConfig config) {
  if (config.local_as == 0) return Error("local-as", "AS 0 is reserved (RFC 7607)");
  if (config.grace.count() <= 0) return Error("grace", "the grace period must be positive");
  std::set<net::Prefix> seen;
  for (const auto& prefix : config.prefixes) {
    if (!seen.insert(prefix).second) return Error(prefix.text(), "prefix listed twice");
    bool v4 = prefix.family() == net::Family::V4;
    const auto& hop = v4 ? config.next_hop_v4 : config.next_hop_v6;
    if (!hop)
      return Error(prefix.text(), std::string("no ") + (v4 ? "IPv4" : "IPv6") +
                                      " next hop configured for withdraws");
    if (hop->family != prefix.family() || hop->is_unspecified() || hop->is_v4_mapped())
      return Error(prefix.text(), "next hop " + hop->text() + " cannot carry this prefix");
  }
  return Reconciler(std::move(config));
}

Reconciler::Reconciler(ReconcileConfig config) : config_(std::move(config)) {
  std::sort(config_.prefixes.begin(), config_.prefixes.end());
}

Result<Step> Reconciler::reconfigure(ReconcileConfig next) {
  auto checked = create(next);
  if (!checked) return checked.error();
  std::sort(next.prefixes.begin(), next.prefixes.end());
  Step step;
  for (const auto& prefix : config_.prefixes) {
    if (std::binary_search(next.prefixes.begin(), next.prefixes.end(), prefix)) continue;
    // No longer ours: withdrawn once (unless ExaBGP is known not to have it), then forgotten.
    auto it = sent_.find(prefix);
    if (started_ && (it == sent_.end() || it->second.known != Known::Withdrawn)) {
      routing::Route withdrawn;
      withdrawn.prefix = prefix;
      withdrawn.next_hop = withdraw_next_hop(prefix);
      send(step, prefix, Known::Withdrawn, withdrawn, withdraw_line(prefix, withdrawn.next_hop));
    }
    sent_.erase(prefix);
    confirmed_.erase(prefix);
    if (desired_) desired_->routes.erase(prefix);
  }
  config_ = std::move(next);
  Step pass = reconcile();  // new prefixes are unknown: withdrawn unless desired
  step.lines.insert(step.lines.end(), pass.lines.begin(), pass.lines.end());
  return step;
}

Step Reconciler::start(Time now) {
  started_ = true;
  healthd_up_ = false;
  expired_ = false;
  lost_since_ = now;
  desired_.reset();
  sent_.clear();
  confirmed_.clear();
  pending_.clear();
  return {};
}

std::optional<routing::Route> Reconciler::accept(const routing::Route& route, Step& step) const {
  if (!std::binary_search(config_.prefixes.begin(), config_.prefixes.end(), route.prefix)) {
    step.reports.push_back({Report::Kind::Rejected, route.prefix.text(), "",
                            "not one of the configured anycast prefixes"});
    return std::nullopt;
  }
  auto checked = check_announceable(route, config_.local_as);
  if (!checked) {
    step.reports.push_back({Report::Kind::Rejected, route.prefix.text(), "", checked.error().what});
    return std::nullopt;
  }
  return route;
}

Step Reconciler::healthd_full_set(const routing::RouteSet& desired, Time) {
  Step step;
  healthd_up_ = true;
  expired_ = false;
  lost_since_.reset();
  routing::RouteSet accepted;
  for (const auto& [prefix, route] : desired.routes)
    if (auto ok = accept(route, step)) accepted.routes.emplace(prefix, std::move(*ok));
  desired_ = std::move(accepted);
  Step pass = reconcile();
  step.lines = std::move(pass.lines);
  step.reports.insert(step.reports.end(), pass.reports.begin(), pass.reports.end());
  return step;
}

Step Reconciler::healthd_diff(const routing::RouteDiff& change, Time) {
  Step step;
  if (!desired_ || !healthd_up_) {
    step.reports.push_back({Report::Kind::IgnoredDiff, "", "",
                            "a diff arrived before a full route set; waiting for one"});
    return step;
  }
  routing::RouteDiff accepted;
  accepted.withdraw = change.withdraw;
  for (const auto& route : change.announce) {
    if (auto ok = accept(route, step)) {
      accepted.announce.push_back(std::move(*ok));
    } else {
      // A route that may not be sent must not stay desired in an older form either.
      accepted.withdraw.push_back(route.prefix);
    }
  }
  routing::apply(*desired_, accepted);
  Step pass = reconcile();
  step.lines = std::move(pass.lines);
  step.reports.insert(step.reports.end(), pass.reports.begin(), pass.reports.end());
  return step;
}

Step Reconciler::healthd_lost(Time now) {
  if (healthd_up_) {
    healthd_up_ = false;
    lost_since_ = now;
  }
  return {};
}

Step Reconciler::healthd_waiting(Time now) {
  // Alive, its checks warming up (a bounded time): what ExaBGP has stays until its first set.
  if (!expired_ && !healthd_up_) lost_since_ = now;
  return {};
}

std::optional<Time> Reconciler::grace_deadline() const {
  if (!started_ || healthd_up_ || expired_ || !lost_since_) return std::nullopt;
  return *lost_since_ + config_.grace;
}

Step Reconciler::tick(Time now) {
  auto deadline = grace_deadline();
  if (!deadline || now < *deadline) return {};
  expired_ = true;
  Step step = reconcile();
  step.reports.insert(step.reports.begin(),
                      {Report::Kind::HealthdGone, "", "",
                       "healthd unreachable for longer than the grace period; withdrawing all"});
  return step;
}

Step Reconciler::session_established() {
  for (auto& [prefix, state] : sent_) state.known = Known::Unknown;
  return reconcile();
}

Step Reconciler::ack_done() {
  Step step;
  if (pending_.empty()) {
    step.reports.push_back({Report::Kind::UnexpectedAck, "", "done", "no command was waiting"});
    return step;
  }
  Pending answered = std::move(pending_.front());
  pending_.pop_front();
  confirmed_[answered.prefix] = PrefixState{answered.target, answered.route};
  step.reports.push_back(
      {Report::Kind::Applied, answered.prefix.text(), std::move(answered.line), ""});
  return step;
}

Step Reconciler::ack_error() {
  Step step;
  if (pending_.empty()) {
    step.reports.push_back({Report::Kind::UnexpectedAck, "", "error", "no command was waiting"});
    return step;
  }
  Pending answered = std::move(pending_.front());
  pending_.pop_front();
  bool later = std::any_of(pending_.begin(), pending_.end(),
                           [&](const Pending& p) { return p.prefix == answered.prefix; });
  if (!later) {
    // ExaBGP kept what it had: the last confirmed state, or unknown if there is none.
    auto confirmed = confirmed_.find(answered.prefix);
    sent_[answered.prefix] = confirmed != confirmed_.end() ? confirmed->second : PrefixState{};
  }
  step.reports.push_back({Report::Kind::Failed, answered.prefix.text(), std::move(answered.line),
                          "ExaBGP answered error"});
  return step;
}

Step Reconciler::exabgp_reply(const Reply& reply) {
  switch (reply.kind) {
    case ReplyKind::Done:
      return ack_done();
    case ReplyKind::Error:
      return ack_error();
    case ReplyKind::NeighborUp:
      return session_established();
    case ReplyKind::NeighborDown:
    case ReplyKind::Shutdown:
    case ReplyKind::Unknown:
      return {};
  }
  return {};
}

std::map<net::Prefix, routing::Route> Reconciler::confirmed_routes() const {
  std::map<net::Prefix, routing::Route> out;
  for (const auto& [prefix, state] : confirmed_)
    if (state.known == Known::Announced) out.emplace(prefix, state.route);
  return out;
}

const net::Address& Reconciler::withdraw_next_hop(const net::Prefix& prefix) const {
  // A withdraw names the next hop the route went out with, when the bridge knows it.
  for (const auto* states : {&sent_, &confirmed_}) {
    auto it = states->find(prefix);
    if (it != states->end() && it->second.known == Known::Announced)
      return it->second.route.next_hop;
  }
  return prefix.family() == net::Family::V4 ? *config_.next_hop_v4 : *config_.next_hop_v6;
}

void Reconciler::send(Step& step, const net::Prefix& prefix, Known target,
                      const routing::Route& route, std::string line) {
  step.lines.push_back(line);
  pending_.push_back({prefix, target, route, std::move(line)});
  sent_[prefix] = PrefixState{target, route};
}

Step Reconciler::reconcile() {
  Step step;
  if (!started_) return step;
  static const routing::RouteSet kNothing;
  const routing::RouteSet* target = expired_ ? &kNothing : desired_ ? &*desired_ : nullptr;
  if (!target) return step;  // before healthd's first set and before the grace ran out
  for (const auto& prefix : config_.prefixes) {
    if (target->routes.count(prefix)) continue;
    auto& state = sent_[prefix];
    if (state.known == Known::Withdrawn) continue;
    routing::Route withdrawn;
    withdrawn.prefix = prefix;
    withdrawn.next_hop = withdraw_next_hop(prefix);
    std::string line = withdraw_line(prefix, withdrawn.next_hop);
    send(step, prefix, Known::Withdrawn, withdrawn, std::move(line));
  }
  for (const auto& prefix : config_.prefixes) {
    auto wanted = target->routes.find(prefix);
    if (wanted == target->routes.end()) continue;
    const auto& state = sent_[prefix];
    if (state.known == Known::Announced && state.route == wanted->second) continue;
    send(step, prefix, Known::Announced, wanted->second,
         announce_line(wanted->second, config_.local_as));
  }
  return step;
}

}  // namespace cdn::bgp
