// dns/server/commands.cc: cdn-dnsd's control commands (common/control/messages.h), one entry
// each: adding a command is one more entry in commands().
#include <nlohmann/json.hpp>

#include "common/control/messages.h"
#include "common/net/prefix.h"
#include "dns/server/server.h"
#include "dns/steer/explain.h"
#include "dns/steer/served.h"

namespace cdn::dns {

std::vector<control::Command> Server::commands(Server& server) {
  using control::Json;
  std::vector<control::Command> out;
  out.push_back(control::command<control::StatusRequest>(
      "Version served, zones, uptime, listen addresses, TCP connections, steered names",
      [&server](const control::StatusRequest&) {
        auto snap = server.snapshots_.get();
        control::StatusReply status;
        status.daemon = "dnsd";
        status.version = snap->options.version;
        status.zones = int64_t(snap->zones.size());
        status.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::steady_clock::now() - server.started_)
                              .count();
        Json reply = control::encode(status);
        std::vector<std::string> listen;
        for (const auto& ep : server.endpoints_) listen.push_back(ep.text());
        reply["listen"] = listen;
        reply["tcp_connections"] = server.tcp_->connections();
        reply["steered_names"] = snap->steering ? snap->steering->names.size() : 0;
        return reply;
      }));
  out.push_back(control::command<control::ReloadRequest>(
      "Load the current config version (what changed is rebuilt, the rest kept)",
      [&server](const control::ReloadRequest&) {
        auto loaded = server.reload();
        if (!loaded) return control::error_reply(loaded.error().text());
        return control::encode(control::ReloadReply{*loaded});
      }));
  out.push_back(control::command<control::StatsRequest>(
      "Query counters summed over the workers", [&server](const control::StatsRequest&) {
        control::StatsReply stats;
        for (const auto& c : server.counters_) {
          stats.queries_udp += c->queries_by_transport[0].load(std::memory_order_relaxed);
          stats.queries_tcp += c->queries_by_transport[1].load(std::memory_order_relaxed);
          stats.truncated += c->truncated.load(std::memory_order_relaxed);
          stats.dropped += c->dropped.load(std::memory_order_relaxed);
        }
        stats.version = server.version();
        return control::encode(stats);
      }));
  out.push_back(control::command<control::EdgeStateRequest>(
      "Edge states and loads (cdn-healthd's pushes), optionally measured RTTs",
      [&server](const control::EdgeStateRequest& request) {
        std::vector<store::LatencyEntry> rtts;
        for (size_t i = 0; i < request.rtt.size(); ++i) {
          const auto& r = request.rtt[i];
          auto network = net::parse_prefix(r.prefix);
          if (!network) {
            return control::error_reply("edge-state: rtt[" + std::to_string(i) +
                                        "].prefix: " + network.error().text());
          }
          rtts.push_back({network->text(), r.edge, r.ms});
        }
        auto applied = server.report_edges(request.edges);
        if (!applied) return control::error_reply(applied.error().text());
        control::EdgeStateReply reply;
        reply.applied = int64_t(*applied);
        if (!rtts.empty()) {
          auto rebuilt = server.report_rtts(std::move(rtts));
          if (!rebuilt) return control::error_reply("edge-state: rtt: " + rebuilt.error().text());
          reply.version = *rebuilt;
        }
        return control::encode(reply);
      }));
  out.push_back(control::command<control::OverrideRequest>(
      "The operator's override of one edge, at once (cdnctl edge set-state)",
      [&server](const control::OverrideRequest& request) {
        if (auto st = server.set_override(request); !st) {
          return control::error_reply(st.error().text());
        }
        return control::ok_reply();
      }));
  out.push_back(control::command<control::ExplainRequest>(
      "Why a client gets the edges it gets for a steered name (cdnctl explain)",
      [&server](const control::ExplainRequest& request) {
        auto snap = server.snapshots_.get();
        auto states = server.states_.get();
        if (!snap->steering) return control::error_reply("explain: no steered names are served");
        auto explained =
            explain_json(*snap->steering, *states, request.name, request.client, request.ecs);
        if (!explained) return control::error_reply("explain: " + explained.error().text());
        (*explained)["version"] = snap->options.version;
        return *explained;
      }));
  return out;
}

}  // namespace cdn::dns
