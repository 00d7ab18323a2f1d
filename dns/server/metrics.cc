// dns/server/metrics.cc: cdn-dnsd's Prometheus text (the --metrics listener serves it).
#include "common/metrics.h"

#include "dns/server/server.h"
#include "dns/steer/served.h"

namespace cdn::dns {

std::string Server::metrics_text() const {
  std::string out;
  auto sum = [&](auto pick) {
    uint64_t total = 0;
    for (const auto& c : counters_) total += pick(*c).load(std::memory_order_relaxed);
    return total;
  };
  metrics::append_header(out, "cdn_dns_queries_total", "counter",
                         "Queries answered, by transport.");
  metrics::append_sample(out, "cdn_dns_queries_total", "transport=\"udp\"",
                         sum([](QueryCounters & c) -> auto& { return c.queries_by_transport[0]; }));
  metrics::append_sample(out, "cdn_dns_queries_total", "transport=\"tcp\"",
                         sum([](QueryCounters & c) -> auto& { return c.queries_by_transport[1]; }));
  metrics::append_header(out, "cdn_dns_queries_by_qtype_total", "counter", "Queries by QTYPE.");
  for (size_t i = 0; i <= kCountedTypes.size(); ++i) {
    std::string label = i < kCountedTypes.size()
                            ? "qtype=\"" + std::to_string(kCountedTypes[i]) + "\""
                            : std::string("qtype=\"other\"");
    metrics::append_sample(out, "cdn_dns_queries_by_qtype_total", label,
                           sum([i](QueryCounters & c) -> auto& { return c.queries_by_qtype[i]; }));
  }
  metrics::append_header(out, "cdn_dns_responses_total", "counter", "Responses by RCODE.");
  static const char* kRcodeNames[24] = {"NOERROR", "FORMERR",  "SERVFAIL", "NXDOMAIN", "NOTIMP",
                                        "REFUSED", "YXDOMAIN", "YXRRSET",  "NXRRSET",  "NOTAUTH",
                                        "NOTZONE", "11",       "12",       "13",       "14",
                                        "15",      "BADVERS"};
  for (size_t i = 0; i < 24; ++i) {
    uint64_t v = sum([i](QueryCounters & c) -> auto& { return c.responses_by_rcode[i]; });
    if (v == 0 && i > 5 && i != 16) continue;
    std::string name = kRcodeNames[i] ? kRcodeNames[i] : std::to_string(i);
    metrics::append_sample(out, "cdn_dns_responses_total", "rcode=\"" + name + "\"", v);
  }
  metrics::append_header(out, "cdn_dns_responses_truncated_total", "counter",
                         "UDP responses sent with TC=1.");
  metrics::append_sample(out, "cdn_dns_responses_truncated_total", "",
                         sum([](QueryCounters & c) -> auto& { return c.truncated; }));
  metrics::append_header(out, "cdn_dns_packets_dropped_total", "counter",
                         "Packets that got no response (responses, runts).");
  metrics::append_sample(out, "cdn_dns_packets_dropped_total", "",
                         sum([](QueryCounters & c) -> auto& { return c.dropped; }));
  metrics::append_header(out, "cdn_dns_steered_answers_total", "counter",
                         "Steered answers by decision.");
  static const char* kReasons[5] = {"nearest", "spillover", "unknown_location",
                                    "all_down_serve_all", "all_down_fallback"};
  for (size_t i = 0; i < 5; ++i) {
    metrics::append_sample(out, "cdn_dns_steered_answers_total",
                           std::string("reason=\"") + kReasons[i] + "\"",
                           sum([i](QueryCounters & c) -> auto& { return c.steered_by_reason[i]; }));
  }
  metrics::append_header(out, "cdn_dns_steered_edge_answers_total", "counter",
                         "Steered answers per pool and edge (since the config version loaded).");
  if (auto snap = snapshots_.get(); snap->steering) {
    const ServedSteering& st = *snap->steering;
    for (size_t p = 0; p < st.set.pools.size(); ++p) {
      const auto& pool = st.set.pools[p];
      for (size_t e = 0; e < pool.edges.size(); ++e) {
        metrics::append_sample(
            out, "cdn_dns_steered_edge_answers_total",
            "pool=\"" + pool.name + "\",edge=\"" + st.set.edges[pool.edges[e]].name + "\"",
            st.answers(uint16_t(p), uint16_t(e)));
      }
    }
  }
  metrics::append_header(out, "cdn_dns_ecs_queries_total", "counter",
                         "Queries with an EDNS Client Subnet option.");
  metrics::append_sample(out, "cdn_dns_ecs_queries_total", "",
                         sum([](QueryCounters & c) -> auto& { return c.ecs_queries; }));
  metrics::append_header(out, "cdn_dns_ecs_scope_total", "counter",
                         "ECS answers by scope prefix length (only scopes seen).");
  for (size_t i = 0; i < 129; ++i) {
    uint64_t v = sum([i](QueryCounters & c) -> auto& { return c.ecs_scope[i]; });
    if (v != 0)
      metrics::append_sample(out, "cdn_dns_ecs_scope_total", "scope=\"" + std::to_string(i) + "\"",
                             v);
  }
  metrics::append_header(out, "cdn_dns_snapshot_version", "gauge", "Config version being served.");
  metrics::append_sample(out, "cdn_dns_snapshot_version", "", uint64_t(version()));
  return out;
}

}  // namespace cdn::dns
