// cli/explain.cc: cdnctl explain FQDN --client IP [--ecs PREFIX]: why that client gets that
// answer. Asks the running cdn-dnsd (its snapshot and live edge states), or with --offline (or
// when no cdn-dnsd answers) rebuilds the steering from the database with the operator's
// overrides as the only edge states. Both run dns/steer/explain.cc, the query path's selection.
#include "dns/steer/explain.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "common/control/control.h"
#include "common/control/messages.h"
#include "common/store/steer_config.h"
#include "dns/steer/served.h"

namespace cdn::cli {
namespace {

struct ExplainArgs {
  std::string name, client, ecs;
  bool json = false;
  bool offline = false;
};

std::string number(const Json& v, int decimals) {
  if (!v.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

void print_human(const Json& out, const std::string& source) {
  std::cout << out.value("name", "") << " for " << out["client"].value("address", "")
            << (out["client"].value("from_ecs", false)
                    ? " (ECS /" + std::to_string(out["client"].value("source_prefix", 0)) + ")"
                    : " (resolver address)")
            << ", pool " << out.value("pool", "") << ", " << source << '\n';
  const Json& loc = out["location"];
  if (loc.is_null()) {
    std::cout << "location: unknown (the pool's configured order)\n";
  } else {
    std::cout << "location: " << number(loc["latitude"], 2) << "," << number(loc["longitude"], 2)
              << " country " << loc.value("country", "-") << " continent "
              << loc.value("continent", "-") << '\n';
  }
  for (const auto& n : out["networks"]) {
    std::cout << "network: " << n.value("network", "") << " (pool " << n.value("pool", "") << ")\n";
  }
  std::cout << "scope: /" << out.value("scope", 0) << "   decision: " << out.value("reason", "")
            << "\nanswer:";
  for (const auto& a : out["answer"]) {
    std::cout << ' ' << a.value("edge", "") << " (";
    bool first = true;
    for (const auto& addr : a["addresses"]) {
      std::cout << (first ? "" : " ") << addr.get<std::string>();
      first = false;
    }
    std::cout << ')';
  }
  std::cout << "\n\n";
  Table t({"POOL", "RANK", "EDGE", "STATE", "LOAD", "DIST_KM", "RTT_MS", "SCORE", "VERDICT"});
  for (const auto& c : out["candidates"]) {
    std::string state = c.value("state", "") + (c.value("overloaded", false) ? ",overloaded" : "");
    t.add({c.value("pool", ""), std::to_string(c.value("rank", 0)), c.value("edge", ""), state,
           number(c["load"], 2), number(c.value("distance_km", Json()), 0),
           number(c.value("rtt_ms", Json()), 1), number(c.value("score", Json()), 0),
           c.value("verdict", "")});
  }
  t.print();
}

int explain_offline(const Context& ctx, const ExplainArgs& a, Json& out) {
  auto config = store::read_steer_config(ctx.db_path);
  if (!config) return fail(kExitRefused, config.error().text());
  auto steering = dns::build_steering(*config);
  if (!steering) return fail(kExitRefused, steering.error().text());
  auto states = dns::states_with_overrides((*steering)->set, *config);
  auto result = dns::explain_json(**steering, states, a.name, a.client, a.ecs);
  if (!result) return fail(kExitRefused, "refused: " + result.error().text());
  out = std::move(result.value());
  out["version"] = config->version;
  return kExitOk;
}

int run_explain(const Context& ctx, const ExplainArgs& a) {
  Json out;
  std::string source;
  if (!a.offline) {
    control::ExplainRequest request{a.name, a.client, a.ecs};
    auto reply = control::call(control::socket_path(ctx.run_dir, control::kDnsd),
                               control::encode(request), std::chrono::seconds(10));
    if (reply) {
      if (auto why = control::refusal(*reply)) return fail(kExitRefused, "refused: " + *why);
      out = std::move(reply.value());
      source = "as cdn-dnsd serves it (v" + std::to_string(out.value("version", 0)) + ")";
    }
  }
  if (out.is_null()) {
    if (int code = explain_offline(ctx, a, out); code != kExitOk) return code;
    source = "offline from the database (v" + std::to_string(out.value("version", 0)) +
             "; edge states: operator overrides only)";
  }
  out.erase("ok");
  if (a.json) {
    out["source"] = source;
    print_json(out);
  } else {
    print_human(out, source);
  }
  return kExitOk;
}

}  // namespace

void add_explain_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ExplainArgs>();
  auto* cmd =
      add_command(&app, ctx, "explain",
                  "Show why a client gets the answer it gets for a steered name, edge by edge",
                  [args](const Context& c) { return run_explain(c, *args); });
  cmd->add_option("FQDN", args->name, "A steered name")->required();
  cmd->add_option("--client", args->client, "The resolver's (or client's) address")->required();
  cmd->add_option("--ecs", args->ecs, "The EDNS Client Subnet the query carries, e.g. 10.1.2.0/24");
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->add_flag("--offline", args->offline,
                "Work from the database even when cdn-dnsd runs (live edge states are then not "
                "known)");
  cmd->footer(
      "Examples:\n"
      "  cdnctl explain www.cdn.example.com --client 198.51.100.7\n"
      "  cdnctl explain www.cdn.example.com --client 192.0.2.53 --ecs 203.0.113.0/24 --json\n"
      "Asks the running cdn-dnsd (same code as its query path, live edge states); without one,\n"
      "or with --offline, rebuilds the steering from the database.");
}

}  // namespace cdn::cli
