// common/control/health_replies.cc: the codecs of cdn-healthd's documents, `health` and
// `bgp-status` (messages.h), read by cdnctl and by anything that monitors the box.
#include <nlohmann/json.hpp>

#include "common/control/fields.h"
#include "common/control/messages.h"

namespace cdn::control {
namespace {

using detail::Fields;
using detail::kUnbounded;

// An optional number: absent or null leaves `out` empty.
Status optional_number(const Fields& f, const char* key, std::optional<double>& out, double min,
                       double max) {
  double value = 0;
  if (!f.has(key)) return Ok{};
  CDN_TRY(f.number(key, value, min, max, true));
  out = value;
  return Ok{};
}

Status strings(const Fields& f, const char* key, std::vector<std::string>& out) {
  auto list = f.array(key);
  if (!list) return list.error();
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const Json& item = (**list)[i];
    if (!item.is_string())
      return Error(f.at(key) + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back(item.get<std::string>());
  }
  return Ok{};
}

Json encode_check(const CheckHealth& c) {
  Json out{{"name", c.name},     {"kind", c.kind},       {"target", c.target}, {"state", c.state},
           {"reason", c.reason}, {"changes", c.changes}, {"probes", c.probes}};
  if (c.last) {
    out["last"] =
        Json{{"up", c.last->up}, {"reason", c.last->reason}, {"latency_ms", c.last->latency_ms}};
    if (c.last->load) out["last"]["load"] = *c.last->load;
  }
  if (c.held_until) out["held_until"] = *c.held_until;
  if (c.last_change) {
    out["last_change"] = Json{{"at", c.last_change->at},
                              {"from", c.last_change->from},
                              {"to", c.last_change->to},
                              {"reason", c.last_change->reason}};
  }
  return out;
}

Status decode_check(const Json& json, const std::string& path, CheckHealth& out) {
  Fields f(json, path);
  CDN_TRY(f.object());
  CDN_TRY(f.text("name", out.name, true));
  CDN_TRY(f.text("kind", out.kind));
  CDN_TRY(f.text("target", out.target));
  CDN_TRY(f.text("state", out.state, true));
  CDN_TRY(f.text("reason", out.reason));
  CDN_TRY(f.count("changes", out.changes));
  CDN_TRY(f.count("probes", out.probes));
  if (auto it = json.find("last"); it != json.end() && !it->is_null()) {
    Fields l(*it, f.at("last"));
    CDN_TRY(l.object());
    ProbeResult last;
    CDN_TRY(l.boolean("up", last.up, true));
    CDN_TRY(l.text("reason", last.reason));
    CDN_TRY(l.number("latency_ms", last.latency_ms, 0, kUnbounded));
    CDN_TRY(optional_number(l, "load", last.load, 0, kUnbounded));
    out.last = std::move(last);
  }
  if (f.has("held_until")) {
    int64_t at = 0;
    CDN_TRY(f.integer("held_until", at, true));
    out.held_until = at;
  }
  if (auto it = json.find("last_change"); it != json.end() && !it->is_null()) {
    Fields c(*it, f.at("last_change"));
    CDN_TRY(c.object());
    StateChange change;
    CDN_TRY(c.integer("at", change.at, true));
    CDN_TRY(c.text("from", change.from));
    CDN_TRY(c.text("to", change.to));
    CDN_TRY(c.text("reason", change.reason));
    out.last_change = std::move(change);
  }
  return Ok{};
}

Status decode_checks(const Fields& f, const char* key, std::vector<CheckHealth>& out) {
  return f.each(key, [&out](const Json& item, const std::string& path) {
    CheckHealth c;
    CDN_TRY(decode_check(item, path, c));
    out.push_back(std::move(c));
    return Status(Ok{});
  });
}

}  // namespace

Json encode(const HealthReply& r) {
  Json out = ok_reply();
  out["version"] = r.version;
  for (const auto& [key, list] : {std::pair{"checks", &r.checks}, std::pair{"edges", &r.edges}}) {
    Json items = Json::array();
    for (const auto& c : *list) items.push_back(encode_check(c));
    out[key] = std::move(items);
  }
  out["services"] = detail::list_json(r.services, [](const ServiceHealth& s) {
    return Json{{"name", s.name}, {"checks", s.checks}, {"shared", s.shared}, {"state", s.state}};
  });
  return out;
}

Status decode(const Json& json, HealthReply& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.integer("version", out.version, true));
  CDN_TRY(decode_checks(f, "checks", out.checks));
  CDN_TRY(decode_checks(f, "edges", out.edges));
  return f.each("services", [&out](const Json& item, const std::string& path) {
    Fields s(item, path);
    CDN_TRY(s.object());
    ServiceHealth service;
    CDN_TRY(s.text("name", service.name, true));
    CDN_TRY(strings(s, "checks", service.checks));
    CDN_TRY(s.boolean("shared", service.shared));
    CDN_TRY(s.text("state", service.state));
    out.services.push_back(std::move(service));
    return Status(Ok{});
  });
}

Json encode(const BgpStatusReply& r) {
  Json out = ok_reply();
  out["version"] = r.version;
  out["ready"] = r.ready;
  out["generation"] = r.generation;
  out["local_as"] = r.local_as;
  Json prefixes = Json::array();
  for (const auto& p : r.prefixes) {
    Json item{{"prefix", p.prefix},  {"desired", p.desired}, {"reason", p.reason},
              {"alerts", p.alerts},  {"changes", p.changes}, {"confirmed", p.confirmed},
              {"in_sync", p.in_sync}};
    if (p.held_for_s) item["held_for_s"] = *p.held_for_s;
    if (p.announce_in_s) item["announce_in_s"] = *p.announce_in_s;
    prefixes.push_back(std::move(item));
  }
  out["prefixes"] = std::move(prefixes);
  Json bridge{{"connected", r.bridge.connected}, {"exabgp", r.bridge.exabgp}};
  if (r.bridge.last_seen_s) bridge["last_seen_s"] = *r.bridge.last_seen_s;
  bridge["reports"] = detail::list_json(r.bridge.reports,
                                        [](const BridgeReport& report) { return encode(report); });
  out["bridge"] = std::move(bridge);
  return out;
}

Status decode(const Json& json, BgpStatusReply& out) {
  Fields f(json, "");
  CDN_TRY(f.object());
  CDN_TRY(f.integer("version", out.version, true));
  CDN_TRY(f.boolean("ready", out.ready));
  CDN_TRY(f.count("generation", out.generation));
  CDN_TRY(f.integer("local_as", out.local_as));
  Status prefixes = f.each("prefixes", [&out](const Json& item, const std::string& path) {
    Fields p(item, path);
    CDN_TRY(p.object());
    PrefixStatus status;
    CDN_TRY(p.text("prefix", status.prefix, true));
    CDN_TRY(p.text("desired", status.desired));
    CDN_TRY(p.text("reason", status.reason));
    CDN_TRY(strings(p, "alerts", status.alerts));
    CDN_TRY(p.integer("changes", status.changes));
    CDN_TRY(optional_number(p, "held_for_s", status.held_for_s, 0, kUnbounded));
    CDN_TRY(optional_number(p, "announce_in_s", status.announce_in_s, 0, kUnbounded));
    CDN_TRY(p.text("confirmed", status.confirmed));
    CDN_TRY(p.boolean("in_sync", status.in_sync));
    out.prefixes.push_back(std::move(status));
    return Status(Ok{});
  });
  if (!prefixes) return prefixes;
  if (auto it = json.find("bridge"); it != json.end() && !it->is_null()) {
    Fields b(*it, "bridge");
    CDN_TRY(b.object());
    CDN_TRY(b.boolean("connected", out.bridge.connected));
    CDN_TRY(optional_number(b, "last_seen_s", out.bridge.last_seen_s, 0, kUnbounded));
    CDN_TRY(b.text("exabgp", out.bridge.exabgp));
    Status reports = b.each("reports", [&out](const Json& item, const std::string& path) {
      BridgeReport report;
      CDN_TRY(detail::decode_report(item, path, report));
      out.bridge.reports.push_back(std::move(report));
      return Status(Ok{});
    });
    if (!reports) return reports;
  }
  return Ok{};
}

}  // namespace cdn::control
