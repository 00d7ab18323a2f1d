// common/control/messages.h: every request a daemon's control socket takes, and the replies
// other programs read, each a type with one codec used by both ends (as common/route.h is for
// RouteSet). A request is {"cmd": NAME, fields...}; a reply {"ok": true, fields...}.
//
//   cdn-dnsd     status, reload, stats, edge-state (healthd's pushes), override, explain, help
//   cdn-healthd  status, reload, health, bgp-status, bridge-sync (the bridge's long poll), help
//   cdn-edged    status, reload, purge (to come: they join this file and the edge's table)
//
// decode() checks types and ranges and names the field ("edge-state: edges[2].load: must be
// 0..1"), so a malformed message gets the same kind of answer from every daemon.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/availability.h"
#include "common/control/control.h"
#include "common/result.h"
#include "common/route.h"

namespace cdn::control {

// The daemons with a control socket, and where it is: socket_path("/run/cdn", kDnsd).
inline constexpr std::string_view kDnsd = "dnsd";
inline constexpr std::string_view kHealthd = "healthd";
inline constexpr std::string_view kEdged = "edged";
std::string socket_path(const std::string& run_dir, std::string_view daemon);

// --- requests that carry nothing but their name ---
struct StatusRequest {
  static constexpr const char* kName = "status";
};
struct StatsRequest {
  static constexpr const char* kName = "stats";
};
struct HealthRequest {
  static constexpr const char* kName = "health";
};
struct BgpStatusRequest {
  static constexpr const char* kName = "bgp-status";
};

// {"cmd":"reload","version":42}: load the current config version (`version`, when given, is
// the one the caller committed; the reply says which was loaded).
struct ReloadRequest {
  static constexpr const char* kName = "reload";
  std::optional<int64_t> version;
};
struct ReloadReply {
  int64_t version = 0;
};

// healthd -> dnsd: {"cmd":"edge-state","edges":[{"name":"fra","state":"down","load":0.4}],
// "rtt":[{"prefix":"10.1.0.0/16","edge":"fra","ms":12.5}]}
struct EdgeReport {
  std::string name;
  Availability state = Availability::Up;
  double load = 0;  // 0..1 of capacity
  bool operator==(const EdgeReport&) const = default;
};
struct RttReport {
  std::string prefix;  // client network, "10.1.0.0/16"
  std::string edge;
  double ms = 0;  // >= 0
  bool operator==(const RttReport&) const = default;
};
struct EdgeStateRequest {
  static constexpr const char* kName = "edge-state";
  std::vector<EdgeReport> edges;
  std::vector<RttReport> rtt;
};
struct EdgeStateReply {
  int64_t applied = 0;             // edges applied (unknown edges are an error naming them)
  std::optional<int64_t> version;  // set when RTTs rebuilt the rankings
};

// cdnctl -> dnsd, at once (cdnctl edge set-state): the operator's override of one edge, as it
// was just committed: {"cmd":"override","edge":"fra","state":"down","load":0.5}; no "state" =
// the override is cleared (auto). The next config load reads the same from the database.
struct OverrideRequest {
  static constexpr const char* kName = "override";
  std::string edge;
  std::optional<Availability> state;  // nullopt: cleared
  std::optional<double> load;         // >= 0
};

// {"cmd":"explain","name":"www.example.com","client":"192.0.2.1","ecs":"10.1.2.0/24"}; the
// reply is the explanation document (dns/steer/explain.h).
struct ExplainRequest {
  static constexpr const char* kName = "explain";
  std::string name;
  std::string client;
  std::string ecs;  // "" = none
};

// The common part of every daemon's status reply (each adds its own fields).
struct StatusReply {
  std::string daemon;
  int64_t version = 0;
  int64_t uptime_s = 0;
  std::optional<int64_t> zones;  // dnsd
};

struct StatsReply {
  uint64_t queries_udp = 0;
  uint64_t queries_tcp = 0;
  uint64_t truncated = 0;
  uint64_t dropped = 0;
  int64_t version = 0;
};

// bridge -> healthd, a long poll: what the bridge saw ExaBGP confirm and report since the last
// call; healthd answers when its route generation differs from `generation` or after wait_ms.
// One thing the bridge saw happen to a line it sent (bgp/reconcile.h's Report).
struct BridgeReport {
  std::string kind;  // "applied", "refused", ...
  std::string prefix;
  std::string line;
  std::string detail;
  bool operator==(const BridgeReport&) const = default;
};
struct BridgeSyncRequest {
  static constexpr const char* kName = "bridge-sync";
  uint64_t generation = 0;
  int64_t wait_ms = 0;                // 0..30000
  routing::RouteSet confirmed;        // the routes ExaBGP acknowledged
  std::vector<BridgeReport> reports;  // since the last call
  std::string exabgp;                 // "up 198.51.100.1", "down ..."
};
struct BridgeSyncReply {
  bool ready = false;  // false until every check has a state: no routes yet
  uint64_t generation = 0;
  int64_t version = 0;
  std::optional<routing::RouteSet> routes;  // when ready
};

// healthd's `health`: every check and edge probe with its state and why, and the services.
struct ProbeResult {  // the last probe
  bool up = false;
  std::string reason;
  double latency_ms = 0;
  std::optional<double> load;  // edge probes that read a load
};
struct StateChange {  // the last change of state
  int64_t at = 0;     // unix seconds
  std::string from, to, reason;
};
struct CheckHealth {
  std::string name;
  std::string kind;  // "http", "dns", ...
  std::string target;
  std::string state = "unknown";
  std::string reason = "not started";
  uint64_t changes = 0;
  uint64_t probes = 0;
  std::optional<ProbeResult> last;
  std::optional<int64_t> held_until;  // unix seconds, while held down
  std::optional<StateChange> last_change;
};
struct ServiceHealth {
  std::string name;
  std::vector<std::string> checks;
  bool shared = false;
  std::string state;  // "up", "down", "unknown"
};
struct HealthReply {
  int64_t version = 0;
  std::vector<CheckHealth> checks;
  std::vector<ServiceHealth> services;
  std::vector<CheckHealth> edges;  // the edge monitor's probes
};

// healthd's `bgp-status`: each prefix, what healthd wants and why, what the bridge confirmed.
struct PrefixStatus {
  std::string prefix;
  std::string desired;  // "announced", "withdrawn", ...
  std::string reason;
  std::vector<std::string> alerts;
  int64_t changes = 0;
  std::optional<double> held_for_s;
  std::optional<double> announce_in_s;
  std::string confirmed;  // "announced", "withdrawn", "unknown" (no bridge yet)
  bool in_sync = false;
};
struct BridgeStatus {
  bool connected = false;
  std::optional<double> last_seen_s;
  std::string exabgp;
  std::vector<BridgeReport> reports;  // the latest, oldest first
};
struct BgpStatusReply {
  int64_t version = 0;
  bool ready = false;  // false while the checks warm up: no routes sent yet
  uint64_t generation = 0;
  int64_t local_as = 0;
  std::vector<PrefixStatus> prefixes;
  BridgeStatus bridge;
};

// Codecs. encode() writes the "cmd" of a request and "ok": true of a reply.
Json encode(const StatusRequest&);
Json encode(const StatsRequest&);
Json encode(const HealthRequest&);
Json encode(const BgpStatusRequest&);
Json encode(const ReloadRequest&);
Json encode(const ReloadReply&);
Json encode(const EdgeStateRequest&);
Json encode(const EdgeStateReply&);
Json encode(const ExplainRequest&);
Json encode(const OverrideRequest&);
Json encode(const StatusReply&);
Json encode(const StatsReply&);
Json encode(const BridgeReport&);
Json encode(const BridgeSyncRequest&);
Json encode(const BridgeSyncReply&);
Json encode(const HealthReply&);
Json encode(const BgpStatusReply&);

Status decode(const Json& json, StatusRequest& out);
Status decode(const Json& json, StatsRequest& out);
Status decode(const Json& json, HealthRequest& out);
Status decode(const Json& json, BgpStatusRequest& out);
Status decode(const Json& json, ReloadRequest& out);
Status decode(const Json& json, ReloadReply& out);
Status decode(const Json& json, EdgeStateRequest& out);
Status decode(const Json& json, EdgeStateReply& out);
Status decode(const Json& json, ExplainRequest& out);
Status decode(const Json& json, OverrideRequest& out);
Status decode(const Json& json, StatusReply& out);
Status decode(const Json& json, StatsReply& out);
Status decode(const Json& json, BridgeSyncRequest& out);
Status decode(const Json& json, BridgeSyncReply& out);
Status decode(const Json& json, HealthReply& out);
Status decode(const Json& json, BgpStatusReply& out);

// A command whose handler takes the decoded request: a request that does not decode is
// answered {"ok":false,"error":"NAME: FIELD: reason"} without calling it.
template <class Request, class Handle>
Command command(std::string help, Handle handle) {
  // A generic lambda: Json is complete only where the command table is built.
  return Command{
      Request::kName, std::move(help), [handle](const auto& json) {
        Request request;
        if (auto decoded = decode(json, request); !decoded) {
          return error_reply(std::string(Request::kName) + ": " + decoded.error().text());
        }
        return handle(request);
      }};
}

// One request, its typed reply: an error reply becomes an Error whose what is its message.
template <class Reply, class Request>
Result<Reply> ask(const std::string& socket_path, const Request& request,
                  std::chrono::milliseconds timeout) {
  auto json = call(socket_path, encode(request), timeout);
  if (!json) return json.error();
  if (auto refused = refusal(*json)) return Error(socket_path, *refused);
  Reply reply;
  if (auto decoded = decode(*json, reply); !decoded) {
    return Error(socket_path, "bad reply: " + decoded.error().text());
  }
  return reply;
}

}  // namespace cdn::control
