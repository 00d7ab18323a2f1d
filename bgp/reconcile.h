// bgp/reconcile.h: what the bridge tells ExaBGP, decided without I/O or clocks of its own.
// DOC: the bridge's main loop feeds inputs in (its start, healthd's full route set and diffs,
// the loss of healthd, clock ticks, ExaBGP's replies) and writes out what each returns: lines
// for ExaBGP's stdin and reports for healthd and the log. Time is a value passed in.
//
// Reconcile, don't remember. ExaBGP keeps a dead helper's routes, and acks a withdraw of a
// route it never had (shared/notes/bgp-lab.md (d)), so after a start every configured prefix
// is in an unknown state. Each input ends in one pass that compares, for every configured
// prefix, what ExaBGP should have with what the bridge last sent it; unknown or different
// prefixes get a line: withdraws of every configured prefix that is not desired first, then
// announces of the desired ones. After the first pass only changes produce lines. A session
// re-establishment makes every prefix unknown again, so the whole state is sent once more.
//
// Nothing is sent before healthd's first full set: a restarted bridge does not flap routes that
// are still right. If healthd has not been heard from (since the start, or since it was lost)
// for longer than the grace period, the desired set becomes empty and everything is withdrawn;
// healthd's next full set announces again.
//
// ExaBGP answers every command with `done` or `error`, in order. `done` moves the prefix's
// confirmed state; `error` is reported with the line it answers, and the prefix is taken to be
// in its last confirmed state, so the next pass sends it again.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/exabgp_api.h"
#include "common/net/prefix.h"
#include "common/result.h"
#include "common/route.h"

namespace cdn::bgp {

using Time = std::chrono::steady_clock::time_point;

inline constexpr std::chrono::milliseconds kDefaultGrace{10'000};

struct ReconcileConfig {
  uint32_t local_as = 0;
  // Every anycast prefix of this appliance: the universe that is withdrawn when not desired,
  // including prefixes a previous bridge announced.
  std::vector<net::Prefix> prefixes;
  // Next hops for withdraws of prefixes this bridge has not announced itself; one is needed
  // for each family that occurs in `prefixes`.
  std::optional<net::Address> next_hop_v4;
  std::optional<net::Address> next_hop_v6;
  std::chrono::milliseconds grace = kDefaultGrace;
};

struct Report {
  enum class Kind : uint8_t {
    Applied,        // ExaBGP answered `done` to `line`
    Failed,         // ExaBGP answered `error` to `line`; the change is not assumed applied
    Rejected,       // a route from healthd was not sent: `detail` says why
    IgnoredDiff,    // a diff arrived before any full set: nothing to apply it to
    UnexpectedAck,  // `done`/`error` with no command waiting for one
    HealthdGone,    // the grace period ran out: every prefix is being withdrawn
  };
  Kind kind = Kind::Applied;
  std::string prefix;  // empty when the report is not about one prefix
  std::string line;    // the command answered, for Applied and Failed
  std::string detail;
};

std::string_view kind_name(Report::Kind kind);  // "applied", "failed", ...

// What one input asks the bridge to do, in order.
struct Step {
  std::vector<std::string> lines;  // for ExaBGP, each to be written with '\n' and flushed
  std::vector<Report> reports;
};

class Reconciler {
 public:
  // Checks the config: local AS not 0, no duplicate prefixes, a next hop of the right family
  // for each family in use, a positive grace period.
  static Result<Reconciler> create(ReconcileConfig config);

  Step start(Time now);  // forgets everything; the grace period counts from `now`
  // A new configuration (a new config version): prefixes no longer configured are withdrawn
  // and forgotten, new ones are unknown (withdrawn unless healthd desires them). The state of
  // the others is kept. Refused, changing nothing, when `next` is invalid (see create).
  Result<Step> reconfigure(ReconcileConfig next);
  Step healthd_full_set(const routing::RouteSet& desired, Time now);
  Step healthd_diff(const routing::RouteDiff& change, Time now);
  Step healthd_lost(Time now);  // the grace period counts from `now`
  // healthd answered but has no route set yet (a restart warming up its checks): the grace
  // period starts again from `now`, unless it already ran out.
  Step healthd_waiting(Time now);
  Step tick(Time now);
  Step ack_done();
  Step ack_error();
  Step session_established();
  // One more pass: sends again what an `error` ack left undone (nothing when in step). The
  // bridge calls it every few seconds, so a refused line is retried without flooding ExaBGP.
  Step retry() { return reconcile(); }
  // Dispatches one line ExaBGP wrote: done, error, `neighbor ... up`; others change nothing.
  Step exabgp_reply(const Reply& reply);

  // When tick() will withdraw everything, if that is pending.
  std::optional<Time> grace_deadline() const;
  bool withdrawing_all() const { return expired_; }
  size_t unanswered() const { return pending_.size(); }
  // Routes ExaBGP confirmed (`done`) and has not since confirmed withdrawn.
  std::map<net::Prefix, routing::Route> confirmed_routes() const;

 private:
  enum class Known : uint8_t { Unknown, Announced, Withdrawn };
  struct PrefixState {
    Known known = Known::Unknown;
    routing::Route route;  // when Announced
  };
  struct Pending {
    net::Prefix prefix;
    Known target = Known::Unknown;  // Announced or Withdrawn
    routing::Route route;           // when Announced
    std::string line;
  };

  explicit Reconciler(ReconcileConfig config);
  Step reconcile();
  void send(Step& step, const net::Prefix& prefix, Known target, const routing::Route& route,
            std::string line);
  const net::Address& withdraw_next_hop(const net::Prefix& prefix) const;
  std::optional<routing::Route> accept(const routing::Route& route, Step& step) const;

  ReconcileConfig config_;
  bool started_ = false;
  bool healthd_up_ = false;
  bool expired_ = false;                          // grace ran out: the target is the empty set
  std::optional<Time> lost_since_;                // healthd unheard since then (start or loss)
  std::optional<routing::RouteSet> desired_;      // healthd's last word; none before its first set
  std::map<net::Prefix, PrefixState> sent_;       // ExaBGP's state if every line succeeds
  std::map<net::Prefix, PrefixState> confirmed_;  // ExaBGP's state as far as it said `done`
  std::deque<Pending> pending_;                   // lines waiting for done/error, oldest first
};

}  // namespace cdn::bgp
