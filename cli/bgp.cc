// cli/bgp.cc: cdnctl bgp neighbor|render|status, health, drain and undrain: the commands about
// routes and what healthd sees, on the helpers of health_change.h.
#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>

#include "bgp/exabgp_config.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/health_change.h"
#include "cli/output.h"
#include "common/control/messages.h"
#include "common/store/health_config.h"

namespace cdn::cli {

namespace {

// `NAME [--json]`: asks healthd for one of its documents (`Reply`, as messages.h types it) and
// prints it as JSON or with `print`; exit 3 when healthd does not answer or answers something
// that is not that document.
template <class Request, class Reply>
void add_healthd_view(CLI::App* parent, Context& ctx, const std::string& name,
                      const std::string& help, std::function<void(const Reply&)> print) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_flag("--json", *json, "Print JSON (cdn-healthd's answer)");
  cmd->footer("Exit 3 when cdn-healthd does not answer.");
  cmd->callback([&ctx, json, print = std::move(print)] {
    ctx.run = [&ctx, json, print] {
      auto answer = ask_healthd(ctx, control::encode(Request{}));
      if (!answer) return fail(kExitUnreachable, "healthd: " + answer.error().text());
      Reply reply;
      if (auto st = control::decode(*answer, reply); !st) {
        return fail(kExitUnreachable, "healthd: unexpected " + std::string(Request::kName) +
                                          " answer: " + st.error().text());
      }
      if (*json) {
        print_json(control::encode(reply));
      } else {
        print(reply);
      }
      return kExitOk;
    };
  });
}

}  // namespace

// ---------------------------------------------------------------------------- bgp

void add_bgp_commands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("bgp", "BGP: neighbors, the ExaBGP config, the routes' state");
  group->require_subcommand(1);
  {
    auto* neighbor = group->add_subcommand("neighbor", "The routers ExaBGP peers with");
    neighbor->require_subcommand(1);
    auto nb_args = std::make_shared<store::BgpNeighbor>();
    auto* add = neighbor->add_subcommand("add", "Add or replace a neighbor");
    add->add_option("ADDRESS", nb_args->address, "The router's address")->required();
    add->add_option("--peer-as", nb_args->peer_as, "Its AS number")->required();
    add->add_option("--md5", nb_args->md5_password, "TCP MD5 password (RFC 2385)");
    add->add_option("--local-address", nb_args->local_address,
                    "Address to connect from (default bgp.local_address)");
    add->footer("Example: cdnctl bgp neighbor add 198.51.100.1 --peer-as 64500");
    add->callback([&ctx, nb_args] {
      ctx.run = [&ctx, nb_args] {
        HealthChange change;
        change.puts.push_back(store::to_object(*nb_args));
        change.summary = "neighbor " + nb_args->address + " AS" + std::to_string(nb_args->peer_as);
        return commit_health(ctx, change);
      };
    });
    add_health_delete_command(neighbor, ctx, "neighbor", "Delete a neighbor", "ADDRESS");
    add_health_list_command(neighbor, ctx, "List the neighbors", "neighbors",
                            {"ADDRESS", "PEER-AS", "LOCAL-ADDRESS", "MD5"},
                            [](const store::HealthConfig& cfg, Json& items, Table& t) {
                              for (const auto& n : cfg.neighbors) {
                                items.push_back(Json{{"address", n.address},
                                                     {"peer_as", n.peer_as},
                                                     {"local_address", n.local_address},
                                                     {"md5", !n.md5_password.empty()}});
                                t.add({n.address, std::to_string(n.peer_as),
                                       n.local_address.empty() ? "-" : n.local_address,
                                       n.md5_password.empty() ? "no" : "yes"});
                              }
                            });
  }
  {
    struct Args {
      std::string bridge, output;
      bool env = false;
    };
    auto a = std::make_shared<Args>();
    auto* cmd =
        group->add_subcommand("render", "Print ExaBGP's config (exabgp.conf) from the database");
    cmd->add_option("--bridge", a->bridge,
                    "cdn-exabgp-bridge to run (default: the one beside cdnctl, else "
                    "/usr/bin/cdn-exabgp-bridge)");
    cmd->add_option("--output", a->output, "Write to FILE (atomically) instead of stdout");
    cmd->add_flag("--env", a->env,
                  "Print ExaBGP's environment instead (EnvironmentFile= syntax: CLI pipes off, "
                  "acks on)");
    cmd->footer(
        "Example: cdnctl bgp render --output /etc/cdn/exabgp.conf\n"
        "Needs bgp.local_as, bgp.router_id, bgp.local_address and a neighbor.");
    cmd->callback([&ctx, a] {
      ctx.run = [&ctx, a] {
        std::string text;
        if (a->env) {
          text = bgp::exabgp_environment();
        } else {
          auto cfg = read_health(ctx);
          if (!cfg) return fail(kExitRefused, cfg.error().text());
          std::string bridge = a->bridge;
          if (bridge.empty()) {
            std::error_code ec;
            auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
            auto beside = self.parent_path().parent_path() / "bgp" / "cdn-exabgp-bridge";
            auto sibling = self.parent_path() / "cdn-exabgp-bridge";
            bridge = std::filesystem::exists(sibling, ec)  ? sibling.string()
                     : std::filesystem::exists(beside, ec) ? beside.string()
                                                           : "/usr/bin/cdn-exabgp-bridge";
          }
          bridge = std::filesystem::absolute(bridge).string();
          bgp::ExabgpConfig x;
          x.local_as = cfg->bgp.local_as;
          x.router_id = cfg->bgp.router_id;
          x.local_address = cfg->bgp.local_address;
          x.hold_time = cfg->bgp.hold_time;
          for (const auto& nb : cfg->neighbors) {
            bgp::ExabgpNeighbor en;
            en.address = nb.address;
            en.peer_as = nb.peer_as;
            en.md5_password = nb.md5_password;
            en.local_address = nb.local_address;
            bool v4_session = nb.address.find(':') == std::string::npos;
            bool any_v4 = false, any_v6 = false;
            for (const auto& p : cfg->prefixes) {
              (p.prefix.find(':') == std::string::npos ? any_v4 : any_v6) = true;
            }
            en.ipv4_unicast = any_v4 || (v4_session && !any_v6);
            en.ipv6_unicast = any_v6;
            x.neighbors.push_back(std::move(en));
          }
          x.bridge_command = {bridge, "--db", std::filesystem::absolute(ctx.db_path).string(),
                              "--healthd", healthd_socket(ctx)};
          auto rendered = bgp::render_exabgp_config(x);
          if (!rendered) return fail(kExitRefused, "refused: " + rendered.error().text());
          text = *rendered;
        }
        if (a->output.empty()) {
          std::cout << text;
          return kExitOk;
        }
        std::string tmp = a->output + ".tmp";
        {
          std::ofstream out(tmp, std::ios::trunc);
          out << text;
          if (!out.flush()) return fail(kExitRefused, tmp + ": cannot write");
        }
        std::error_code ec;
        std::filesystem::rename(tmp, a->output, ec);
        if (ec) return fail(kExitRefused, a->output + ": " + ec.message());
        std::cout << "wrote " << a->output << '\n';
        return kExitOk;
      };
    });
  }
  add_healthd_view<control::BgpStatusRequest, control::BgpStatusReply>(
      group, ctx, "status",
      "Each prefix: what healthd wants announced, why, and what ExaBGP confirmed",
      [](const control::BgpStatusReply& reply) {
        const auto& b = reply.bridge;
        std::cout << "config v" << reply.version << ", local AS " << reply.local_as << ", bridge "
                  << (b.connected ? "connected" : "not connected");
        if (!b.exabgp.empty()) std::cout << ", session " << b.exabgp;
        if (!reply.ready) std::cout << ", checks warming up (no routes sent yet)";
        std::cout << '\n';
        Table t({"PREFIX", "DESIRED", "CONFIRMED", "SYNC", "REASON"});
        for (const auto& p : reply.prefixes) {
          std::string reason = p.reason;
          for (const auto& alert : p.alerts) reason += "; " + alert;
          t.add({p.prefix, p.desired, p.confirmed, p.in_sync ? "yes" : "no", reason});
        }
        t.print();
        for (const auto& r : b.reports) {
          if (r.kind == "applied") continue;
          std::cout << "bridge: " << r.kind << " " << r.prefix << " " << r.detail << r.line << '\n';
        }
      });
}

// ---------------------------------------------------------------------------- health

void add_health_status_command(CLI::App& app, Context& ctx) {
  add_healthd_view<control::HealthRequest, control::HealthReply>(
      &app, ctx, "health", "Every check and edge probe: state, last result, last change and why",
      [](const control::HealthReply& reply) {
        for (const auto* list : {&reply.checks, &reply.edges}) {
          if (list->empty()) continue;
          std::cout << (list == &reply.checks ? "checks:" : "edge probes:") << '\n';
          Table t({"NAME", "KIND", "TARGET", "STATE", "LAST", "CHANGED", "CHANGES", "WHY"});
          for (const auto& c : *list) {
            std::string last = c.last ? c.last->reason : "-";
            std::string changed = "-", why = c.reason;
            if (c.last_change) {
              changed = format_time(c.last_change->at);
              why = c.last_change->reason;
            }
            t.add(
                {c.name, c.kind, c.target, c.state, last, changed, std::to_string(c.changes), why});
          }
          t.print();
        }
        if (!reply.services.empty()) {
          std::cout << "services:\n";
          Table t({"NAME", "STATE", "CHECKS", "SHARED"});
          for (const auto& s : reply.services) {
            t.add({s.name, s.state, join_list(s.checks, ","), s.shared ? "yes" : "no"});
          }
          t.print();
        }
      });
}

// ---------------------------------------------------------------------------- drain

void add_drain_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string prefix;
    bool all = false;
    int64_t graceful = 0;
  };
  for (bool drain : {true, false}) {
    auto a = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        drain ? "drain" : "undrain",
        drain ? "Take anycast prefixes out of service (kept across restarts, until undrain)"
              : "End a drain: the prefixes follow their services again");
    cmd->add_option("PREFIX", a->prefix, "The prefix");
    cmd->add_flag("--all", a->all, "Every prefix of this box (and its edges in DNS steering)");
    if (drain) {
      cmd->add_option("--graceful", a->graceful,
                      "First announce with the AS path prepended and GRACEFUL_SHUTDOWN "
                      "(65535:0) this many seconds, then withdraw")
          ->check(CLI::Range(int64_t{0}, int64_t{86400}));
      cmd->footer(
          "Examples:\n  cdnctl drain --all --graceful 60\n  cdnctl drain 192.0.2.53/32\n"
          "cdn-healthd is asked to load the change at once (exit 3 if it does not answer:\n"
          "the drain is committed and applies when healthd loads it).");
    }
    cmd->callback([&ctx, a, drain] {
      ctx.run = [&ctx, a, drain] {
        if (a->all == !a->prefix.empty()) {
          return fail(kExitUsage, "give a PREFIX or --all (one of them)");
        }
        std::string target = store::kDrainAll;
        if (!a->all) {
          auto canonical = store::canonical_prefix(a->prefix);
          if (!canonical) return fail(kExitRefused, "refused: " + canonical.error().text());
          target = *canonical;
        }
        HealthChange change;
        if (drain) {
          store::Drain d;
          d.target = target;
          d.graceful_seconds = a->graceful;
          d.started = static_cast<int64_t>(::time(nullptr));
          change.puts.push_back(store::to_object(d));
          change.summary =
              "drain " + target +
              (a->graceful > 0 ? " (graceful " + std::to_string(a->graceful) + " s)" : "");
        } else {
          change.deletes.emplace_back("drain", target);
          change.summary = "undrain " + target;
        }
        change.operational = true;  // acts at once: healthd reloads below
        int rc = commit_health(ctx, change, [&](const HealthLive& l) -> std::string {
          if (!drain && !has_object(l, "drain", target)) return target + " is not drained";
          if (!a->all && !has_object(l, "prefix", target)) return "no anycast prefix " + target;
          return "";
        });
        return rc == kExitOk ? reload_healthd(ctx) : rc;
      };
    });
  }
}

}  // namespace cdn::cli
