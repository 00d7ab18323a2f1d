#include "common/control/messages.h"

#include <nlohmann/json.hpp>

#include "common/control/fields.h"

namespace cdn::control {

using detail::Fields;
using detail::kUnbounded;
using detail::request;

std::string socket_path(const std::string& run_dir, std::string_view daemon) {
  std::string out = run_dir;
  if (!out.empty() && out.back() != '/') out += '/';
  out += daemon;
  out += ".sock";
  return out;
}

Json encode(const StatusRequest&) { return request(StatusRequest::kName); }
Json encode(const StatsRequest&) { return request(StatsRequest::kName); }
Json encode(const HealthRequest&) { return request(HealthRequest::kName); }
Json encode(const BgpStatusRequest&) { return request(BgpStatusRequest::kName); }
Status decode(const Json& json, StatusRequest&) { return Fields(json, "").object(); }
Status decode(const Json& json, StatsRequest&) { return Fields(json, "").object(); }
Status decode(const Json& json, HealthRequest&) { return Fields(json, "").object(); }
Status decode(const Json& json, BgpStatusRequest&) { return Fields(json, "").object(); }

Json encode(const ReloadRequest& r) {
  Json out = request(ReloadRequest::kName);
  if (r.version) out["version"] = *r.version;
  return out;
}
Status decode(const Json& json, ReloadRequest& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  int64_t version = -1;
  CDN_TRY(f.integer("version", version));
  if (version >= 0) out.version = version;
  return Ok{};
}

Json encode(const ReloadReply& r) {
  Json out = ok_reply();
  out["version"] = r.version;
  return out;
}
Status decode(const Json& json, ReloadReply& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  return f.integer("version", out.version, true);
}

Json encode(const EdgeStateRequest& r) {
  Json out = request(EdgeStateRequest::kName);
  Json edges = Json::array();
  for (const auto& e : r.edges) {
    edges.push_back(Json{
        {"name", e.name}, {"state", std::string(availability_text(e.state))}, {"load", e.load}});
  }
  out["edges"] = std::move(edges);
  if (!r.rtt.empty()) {
    Json rtt = Json::array();
    for (const auto& e : r.rtt)
      rtt.push_back(Json{{"prefix", e.prefix}, {"edge", e.edge}, {"ms", e.ms}});
    out["rtt"] = std::move(rtt);
  }
  return out;
}
Status decode(const Json& json, EdgeStateRequest& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  auto edges = f.array("edges", true);
  if (!edges) return edges.error();
  for (size_t i = 0; i < (*edges)->size(); ++i) {
    Fields e((**edges)[i], "edges[" + std::to_string(i) + "]");
    CDN_TRY(e.object());
    EdgeReport report;
    CDN_TRY(e.text("name", report.name, true));
    if (report.name.empty()) return Error(e.at("name"), "must not be empty");
    std::string state = "up";
    CDN_TRY(e.text("state", state));
    auto a = parse_availability(state);
    if (!a) return Error(e.at("state"), "'" + state + "' is not up, down or drain");
    report.state = *a;
    CDN_TRY(e.number("load", report.load, 0, 1));
    out.edges.push_back(std::move(report));
  }
  auto rtt = f.array("rtt");
  if (!rtt) return rtt.error();
  for (size_t i = 0; i < (*rtt)->size(); ++i) {
    Fields e((**rtt)[i], "rtt[" + std::to_string(i) + "]");
    CDN_TRY(e.object());
    RttReport report;
    CDN_TRY(e.text("prefix", report.prefix, true));
    CDN_TRY(e.text("edge", report.edge, true));
    CDN_TRY(e.number("ms", report.ms, 0, kUnbounded, true));
    out.rtt.push_back(std::move(report));
  }
  return Ok{};
}

Json encode(const EdgeStateReply& r) {
  Json out = ok_reply();
  out["applied"] = r.applied;
  if (r.version) out["version"] = *r.version;
  return out;
}
Status decode(const Json& json, EdgeStateReply& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.integer("applied", out.applied, true));
  int64_t version = -1;
  CDN_TRY(f.integer("version", version));
  if (version >= 0) out.version = version;
  return Ok{};
}

Json encode(const ExplainRequest& r) {
  Json out = request(ExplainRequest::kName);
  out["name"] = r.name;
  out["client"] = r.client;
  if (!r.ecs.empty()) out["ecs"] = r.ecs;
  return out;
}
Status decode(const Json& json, ExplainRequest& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.text("name", out.name, true));
  CDN_TRY(f.text("client", out.client));
  return f.text("ecs", out.ecs);
}

Json encode(const OverrideRequest& r) {
  Json out = request(OverrideRequest::kName);
  out["edge"] = r.edge;
  if (r.state) out["state"] = std::string(availability_text(*r.state));
  if (r.load) out["load"] = *r.load;
  return out;
}
Status decode(const Json& json, OverrideRequest& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.text("edge", out.edge, true));
  std::string state;
  CDN_TRY(f.text("state", state));
  if (!state.empty()) {
    out.state = parse_availability(state);
    if (!out.state) return Error(f.at("state"), "'" + state + "' is not up, down or drain");
  }
  double load = -1;
  CDN_TRY(f.number("load", load, 0, kUnbounded));
  if (load >= 0) out.load = load;
  if (out.load && !out.state) return Error(f.at("load"), "needs a state");
  return Ok{};
}

Json encode(const StatusReply& r) {
  Json out = ok_reply();
  out["daemon"] = r.daemon;
  out["version"] = r.version;
  out["uptime_s"] = r.uptime_s;
  if (r.zones) out["zones"] = *r.zones;
  return out;
}
Status decode(const Json& json, StatusReply& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.text("daemon", out.daemon));
  CDN_TRY(f.integer("version", out.version, true));
  CDN_TRY(f.integer("uptime_s", out.uptime_s));
  int64_t zones = -1;
  CDN_TRY(f.integer("zones", zones));
  if (zones >= 0) out.zones = zones;
  return Ok{};
}

Json encode(const StatsReply& r) {
  Json out = ok_reply();
  out["queries_udp"] = r.queries_udp;
  out["queries_tcp"] = r.queries_tcp;
  out["truncated"] = r.truncated;
  out["dropped"] = r.dropped;
  out["version"] = r.version;
  return out;
}
Status decode(const Json& json, StatsReply& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.count("queries_udp", out.queries_udp, true));
  CDN_TRY(f.count("queries_tcp", out.queries_tcp, true));
  CDN_TRY(f.count("truncated", out.truncated));
  CDN_TRY(f.count("dropped", out.dropped));
  return f.integer("version", out.version);
}

Status detail::decode_report(const Json& json, const std::string& path, BridgeReport& out) {
  Fields r(json, path);
  CDN_TRY(r.object());
  CDN_TRY(r.text("kind", out.kind, true));
  CDN_TRY(r.text("prefix", out.prefix));
  CDN_TRY(r.text("line", out.line));
  return r.text("detail", out.detail);
}

Json encode(const BridgeReport& r) {
  return Json{{"kind", r.kind}, {"prefix", r.prefix}, {"line", r.line}, {"detail", r.detail}};
}

Json encode(const BridgeSyncRequest& r) {
  Json out = request(BridgeSyncRequest::kName);
  out["generation"] = r.generation;
  out["wait_ms"] = r.wait_ms;
  out["confirmed"] = routing::to_json(r.confirmed)["routes"];
  Json reports = Json::array();
  for (const auto& report : r.reports) reports.push_back(encode(report));
  out["reports"] = std::move(reports);
  out["exabgp"] = r.exabgp;
  return out;
}
Status decode(const Json& json, BridgeSyncRequest& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.count("generation", out.generation));
  double wait = 0;
  CDN_TRY(f.number("wait_ms", wait, 0, 30000));
  out.wait_ms = static_cast<int64_t>(wait);
  auto confirmed = f.array("confirmed");
  if (!confirmed) return confirmed.error();
  auto set = routing::route_set_from_json(Json{{"routes", **confirmed}});
  if (!set) return Error("confirmed", set.error().text());
  out.confirmed = std::move(*set);
  auto reports = f.array("reports");
  if (!reports) return reports.error();
  for (size_t i = 0; i < (*reports)->size(); ++i) {
    BridgeReport report;
    CDN_TRY(detail::decode_report((**reports)[i], "reports[" + std::to_string(i) + "]", report));
    out.reports.push_back(std::move(report));
  }
  return f.text("exabgp", out.exabgp);
}

Json encode(const BridgeSyncReply& r) {
  Json out = ok_reply();
  out["ready"] = r.ready;
  out["generation"] = r.generation;
  out["version"] = r.version;
  if (r.routes) out["routes"] = routing::to_json(*r.routes)["routes"];
  return out;
}
Status decode(const Json& json, BridgeSyncReply& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.boolean("ready", out.ready, true));
  CDN_TRY(f.count("generation", out.generation));
  CDN_TRY(f.integer("version", out.version));
  if (out.ready) {
    auto routes = f.array("routes", true);
    if (!routes) return routes.error();
    auto set = routing::route_set_from_json(Json{{"routes", **routes}});
    if (!set) return set.error();
    out.routes = std::move(*set);
  }
  return Ok{};
}

}  // namespace cdn::control
