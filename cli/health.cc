// cli/health.cc: cdnctl check|service|prefix (cdn-healthd's objects) and the helpers every
// command on healthd's objects shares (health_change.h); bgp, health, drain and undrain are in
// bgp.cc. A change is stored only if the whole health configuration it leaves behind passes
// build_health_config (common/store/health_config.h), so healthd never has to refuse one at
// reload.
#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/health_change.h"
#include "cli/output.h"
#include "common/control/control.h"
#include "common/control/messages.h"
#include "common/store/health_config.h"

namespace cdn::cli {

std::string healthd_socket(const Context& ctx) {
  return control::socket_path(ctx.run_dir, control::kHealthd);
}

Result<HealthLive> live_health(store::Db& db, const store::Transaction& txn) {
  HealthLive out;
  auto objects = db.health_objects(txn.version() - 1);
  if (!objects) return objects.error();
  auto settings = db.settings(txn.version() - 1);
  if (!settings) return settings.error();
  out.objects = std::move(*objects);
  out.settings = std::move(*settings);
  return out;
}

Result<store::HealthConfig> read_health(const Context& ctx) {
  auto db = open_db(ctx, false);
  if (!db) return db.error();
  auto built = store::load_health_config(*db);
  if (!built) return built.error();
  for (const auto& e : built->errors) std::cerr << "cdnctl: warning: " << e.text() << '\n';
  return built->config;
}

bool has_object(const HealthLive& l, const std::string& kind, const std::string& name) {
  for (const auto& o : l.objects) {
    if (o.kind == kind && o.name == name) return true;
  }
  return false;
}

int commit_health(const Context& ctx, const HealthChange& change,
                  const std::function<std::string(const HealthLive&)>& precheck) {
  auto open = open_change(ctx);
  if (!open) return fail(kExitRefused, open.error().text());
  store::Db* db = open->db.get();
  store::Transaction* txn = &*open->txn;
  auto current = live_health(*db, *txn);
  if (!current) return fail(kExitRefused, current.error().text());
  if (precheck) {
    if (auto why = precheck(*current); !why.empty()) return fail(kExitRefused, why);
  }
  HealthLive next = *current;
  for (const auto& doomed : change.deletes) {
    std::erase_if(next.objects, [&](const store::HealthObject& o) {
      return o.kind == doomed.first && o.name == doomed.second;
    });
  }
  for (const auto& put : change.puts) {
    std::erase_if(next.objects, [&](const store::HealthObject& o) {
      return o.kind == put.kind && o.name == put.name;
    });
    next.objects.push_back(put);
  }
  auto built = store::build_health_config(next.objects, next.settings, txn->version());
  if (!built.errors.empty()) {
    for (const auto& e : built.errors) std::cerr << "cdnctl: refused: " << e.text() << '\n';
    return kExitRefused;
  }
  for (const auto& [kind, name] : change.deletes) {
    auto gone = txn->delete_health_object(kind, name);
    if (!gone) return fail(kExitRefused, gone.error().text());
  }
  for (const auto& put : change.puts) {
    if (auto st = txn->put_health_object(put); !st) return fail(kExitRefused, st.error().text());
  }
  return commit_change(ctx, *txn, change.summary, change.operational);
}

void add_health_delete_command(CLI::App* group, Context& ctx, const std::string& kind,
                               const std::string& help, const std::string& arg) {
  auto name = std::make_shared<std::string>();
  auto* cmd = group->add_subcommand("delete", help);
  cmd->add_option(arg, *name, "The " + kind)->required();
  cmd->callback([&ctx, name, kind] {
    ctx.run = [&ctx, name, kind] {
      std::string key = *name;
      if (kind == "prefix") {
        auto canonical = store::canonical_prefix(*name);
        if (!canonical) return fail(kExitRefused, "refused: " + canonical.error().text());
        key = *canonical;
      }
      HealthChange change;
      change.deletes.emplace_back(kind, key);
      if (kind == "prefix") change.deletes.emplace_back("drain", key);
      change.summary = "deleted " + kind + " " + key;
      return commit_health(ctx, change, [&](const HealthLive& l) {
        return has_object(l, kind, key) ? "" : "no " + kind + " " + key;
      });
    };
  });
}

void add_health_list_command(CLI::App* group, Context& ctx, const std::string& help,
                             const std::string& key, const std::vector<std::string>& header,
                             const HealthListFill& fill) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = group->add_subcommand("list", help);
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([&ctx, json, key, header, fill] {
    ctx.run = [&ctx, json, key, header, fill] {
      auto cfg = read_health(ctx);
      if (!cfg) return fail(kExitRefused, cfg.error().text());
      Json items = Json::array();
      Table table(header);
      fill(*cfg, items, table);
      if (*json) {
        print_json(Json{{"version", cfg->version}, {key, items}});
      } else {
        table.print();
      }
      return kExitOk;
    };
  });
}

int reload_healthd(const Context& ctx) {
  std::string path = healthd_socket(ctx);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::cout << "healthd: not running here (no " << path << "); it reads this when it starts\n";
    return kExitOk;
  }
  auto reply =
      control::call(path, control::encode(control::ReloadRequest{}), std::chrono::seconds(30));
  if (!reply) {
    std::cerr << "healthd: unreachable: " << reply.error().text()
              << " (committed, not loaded: run `cdnctl apply` once healthd runs)\n";
    return kExitUnreachable;
  }
  control::ReloadReply loaded;
  if (auto why = control::refusal(*reply)) {
    std::cerr << "healthd: refused: " << *why << '\n';
    return kExitRefused;
  }
  if (auto decoded = control::decode(*reply, loaded); !decoded) {
    std::cerr << "healthd: bad reply: " << decoded.error().text() << '\n';
    return kExitRefused;
  }
  std::cout << "healthd: v" << loaded.version << " loaded\n";
  return kExitOk;
}

Result<Json> ask_healthd(const Context& ctx, const Json& request) {
  auto reply = control::call(healthd_socket(ctx), request, std::chrono::seconds(10));
  if (!reply) return reply.error();
  if (auto why = control::refusal(*reply)) return Error(healthd_socket(ctx), *why);
  return *reply;
}

namespace {

int64_t ms_of(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1000)); }

std::string seconds_text(std::chrono::milliseconds ms) {
  return store::format_number(static_cast<double>(ms.count()) / 1000.0) + "s";
}

// ---------------------------------------------------------------------------- check

struct CheckArgs {
  std::string name, kind, target;
  double interval = 5, timeout = 2, jitter = 0;
  int rise = 3, fall = 3;
  std::string path = "/", host, status = "200-399", body;
  bool insecure = false;
  std::string qname, qtype = "A", rcode = "NOERROR", expect;
  std::vector<std::string> command;
  bool shell = false;
  bool json = false;
};

Result<health::CheckSpec> check_spec(const CheckArgs& a) {
  health::CheckSpec spec;
  spec.name = a.name;
  auto kind = health::parse_check_kind(a.kind);
  if (!kind) return Error("--kind", kind.error().what);
  spec.kind = *kind;
  spec.target = a.target;
  spec.interval = std::chrono::milliseconds(ms_of(a.interval));
  spec.timeout = std::chrono::milliseconds(ms_of(a.timeout));
  spec.jitter = std::chrono::milliseconds(ms_of(a.jitter));
  spec.rise = a.rise;
  spec.fall = a.fall;
  spec.http.path = a.path;
  spec.http.host = a.host;
  spec.http.body_contains = a.body;
  spec.http.verify_tls = !a.insecure;
  auto dash = a.status.find('-');
  try {
    spec.http.status_min = std::stoi(a.status.substr(0, dash));
    spec.http.status_max =
        dash == std::string::npos ? spec.http.status_min : std::stoi(a.status.substr(dash + 1));
  } catch (const std::exception&) {
    return Error("--status", "expected CODE or MIN-MAX, got '" + a.status + "'");
  }
  spec.dns.qname = a.qname;
  spec.dns.qtype = a.qtype;
  spec.dns.rcode = a.rcode;
  spec.dns.expect_address = a.expect;
  spec.exec.argv = a.command;
  spec.exec.shell = a.shell;
  if (spec.kind == health::CheckKind::Exec && !a.target.empty()) {
    return Error("--target", "an exec check has no target");
  }
  if (auto ok = health::validate(spec); !ok) return ok.error();
  return spec;
}

std::string check_detail(const health::CheckSpec& c) {
  std::string out = "every " + seconds_text(c.interval) + ", timeout " + seconds_text(c.timeout) +
                    ", rise " + std::to_string(c.rise) + ", fall " + std::to_string(c.fall);
  switch (c.kind) {
    case health::CheckKind::Http:
    case health::CheckKind::Https:
      out += ", GET " + c.http.path + " status " + std::to_string(c.http.status_min) + "-" +
             std::to_string(c.http.status_max);
      if (!c.http.body_contains.empty()) out += " body~'" + c.http.body_contains + "'";
      if (!c.http.verify_tls) out += " insecure";
      break;
    case health::CheckKind::Dns:
      out += ", " + c.dns.qname + " " + c.dns.qtype + " -> " + c.dns.rcode;
      if (!c.dns.expect_address.empty()) out += " " + c.dns.expect_address;
      break;
    case health::CheckKind::Exec:
      out += ", " + std::string(c.exec.shell ? "sh -c " : "") + join_list(c.exec.argv, " ");
      break;
    case health::CheckKind::Tcp:
      break;
  }
  return out;
}

void add_check_commands(CLI::App& app, Context& ctx) {
  auto* group =
      app.add_subcommand("check", "cdn-healthd's health checks (cdnctl check add|list|delete)");
  group->require_subcommand(1);
  {
    auto a = std::make_shared<CheckArgs>();
    auto* cmd = group->add_subcommand("add", "Add or replace a check (a new config version)");
    cmd->add_option("NAME", a->name, "Check name")->required();
    cmd->add_option("--kind", a->kind, "tcp, http, https, dns or exec")->required();
    cmd->add_option("--target", a->target,
                    "HOST:PORT probed (not for exec): 127.0.0.1:53, [::1]:80");
    cmd->add_option("--interval", a->interval, "Seconds between probes")->capture_default_str();
    cmd->add_option("--timeout", a->timeout, "Seconds a probe may take (<= interval)")
        ->capture_default_str();
    cmd->add_option("--jitter", a->jitter, "Each interval moves by up to this (<= interval/2)")
        ->capture_default_str();
    cmd->add_option("--rise", a->rise, "Consecutive successes to be up")->capture_default_str();
    cmd->add_option("--fall", a->fall, "Consecutive failures to be down")->capture_default_str();
    cmd->add_option("--path", a->path, "http(s): path")->capture_default_str();
    cmd->add_option("--host", a->host, "http(s): Host header and TLS SNI");
    cmd->add_option("--status", a->status, "http(s): accepted status, CODE or MIN-MAX")
        ->capture_default_str();
    cmd->add_option("--body", a->body, "http(s): the body must contain this");
    cmd->add_flag("--insecure", a->insecure, "https: accept any certificate");
    cmd->add_option("--qname", a->qname, "dns: the name asked");
    cmd->add_option("--qtype", a->qtype, "dns: the type asked")->capture_default_str();
    cmd->add_option("--rcode", a->rcode, "dns: the rcode expected")->capture_default_str();
    cmd->add_option("--expect", a->expect, "dns: an address the answer must hold");
    cmd->add_flag("--shell", a->shell, "exec: run COMMAND with /bin/sh -c (one string)");
    cmd->add_option("COMMAND", a->command, "exec: the command and its arguments, after --");
    cmd->footer(
        "Examples:\n"
        "  cdnctl check add dnsd --kind dns --target 127.0.0.1:53 --qname example.com. "
        "--qtype SOA --interval 1 --timeout 0.5\n"
        "  cdnctl check add web --kind http --target 127.0.0.1:80 --path /health "
        "--status 200-299\n"
        "  cdnctl check add disk --kind exec --interval 10 -- /usr/lib/nagios/check_disk -w 10%\n"
        "A check does nothing until a service uses it (cdnctl service add).");
    cmd->callback([&ctx, a] {
      ctx.run = [&ctx, a] {
        auto spec = check_spec(*a);
        if (!spec) return fail(kExitRefused, "refused: " + spec.error().text());
        HealthChange change;
        change.puts.push_back(store::to_object(*spec));
        change.summary = "check " + a->name + ": " + std::string(health::to_string(spec->kind)) +
                         (spec->target.empty() ? "" : " " + spec->target) + ", " +
                         check_detail(*spec);
        return commit_health(ctx, change);
      };
    });
  }
  add_health_delete_command(group, ctx, "check", "Delete a check no service uses", "NAME");
  {
    add_health_list_command(
        group, ctx, "List the checks", "checks", {"NAME", "KIND", "TARGET", "DETAIL"},
        [](const store::HealthConfig& cfg, Json& items, Table& t) {
          for (const auto& c : cfg.checks) {
            Json j = health::to_json(c);
            j["name"] = c.name;
            items.push_back(j);
            t.add({c.name, std::string(health::to_string(c.kind)), c.target, check_detail(c)});
          }
        });
  }
}

// ---------------------------------------------------------------------------- service

void add_service_commands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand(
      "service", "Services: checks grouped; prefixes are announced while their services are up");
  group->require_subcommand(1);
  {
    auto s = std::make_shared<store::Service>();
    auto* cmd = group->add_subcommand("add", "Add or replace a service");
    cmd->add_option("NAME", s->name, "Service name ([a-z0-9-]+)")->required();
    cmd->add_option("--check", s->checks, "A check the service needs (repeatable)")->required();
    cmd->add_flag("--shared", s->shared,
                  "A dependency other PoPs share (an origin): its failure alerts, never withdraws");
    cmd->footer("Example: cdnctl service add dns --check dnsd --check disk");
    cmd->callback([&ctx, s] {
      ctx.run = [&ctx, s] {
        HealthChange change;
        change.puts.push_back(store::to_object(*s));
        change.summary = "service " + s->name + ": checks " + join_list(s->checks, ", ") +
                         (s->shared ? " (shared)" : "");
        return commit_health(ctx, change);
      };
    });
  }
  add_health_delete_command(group, ctx, "service", "Delete a service no prefix uses", "NAME");
  {
    add_health_list_command(
        group, ctx, "List the services", "services", {"NAME", "CHECKS", "SHARED"},
        [](const store::HealthConfig& cfg, Json& items, Table& t) {
          for (const auto& sv : cfg.services) {
            items.push_back(Json{{"name", sv.name}, {"checks", sv.checks}, {"shared", sv.shared}});
            t.add({sv.name, join_list(sv.checks, ","), sv.shared ? "yes" : "no"});
          }
        });
  }
}

// ---------------------------------------------------------------------------- prefix

void add_prefix_commands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("prefix", "Anycast prefixes announced through ExaBGP");
  group->require_subcommand(1);
  {
    struct Args {
      store::AnycastPrefix p;
      int64_t med = -1;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = group->add_subcommand("add", "Add or replace an anycast prefix");
    cmd->add_option("PREFIX", a->p.prefix, "192.0.2.0/24, 2001:db8::/48")->required();
    cmd->add_option("--next-hop", a->p.next_hop, "Next hop, of the prefix's family")->required();
    cmd->add_option("--service", a->p.services, "Announced while this service is up (repeatable)")
        ->required();
    cmd->add_option("--community", a->p.communities, "ASN:VALUE (repeatable)");
    cmd->add_option("--large-community", a->p.large_communities,
                    "GLOBAL:LOCAL1:LOCAL2 (repeatable)");
    cmd->add_option("--med", a->med, "MULTI_EXIT_DISC")
        ->check(CLI::Range(int64_t{0}, int64_t{4294967295}));
    cmd->footer(
        "Example: cdnctl prefix add 192.0.2.53/32 --next-hop 198.51.100.2 --service dns\n"
        "A prefix is withdrawn while one of its local services is down (never announced with a\n"
        "worse MED instead); after a recovery it waits bgp.reannounce_delay seconds more.");
    cmd->callback([&ctx, a] {
      ctx.run = [&ctx, a] {
        store::AnycastPrefix p = a->p;
        auto canonical = store::canonical_prefix(p.prefix);
        if (!canonical) return fail(kExitRefused, "refused: " + canonical.error().text());
        p.prefix = *canonical;
        if (a->med >= 0) p.med = static_cast<uint32_t>(a->med);
        HealthChange change;
        change.puts.push_back(store::to_object(p));
        change.summary = "prefix " + p.prefix + " via " + p.next_hop + " while " +
                         join_list(p.services, ", ") + " up";
        return commit_health(ctx, change);
      };
    });
  }
  add_health_delete_command(group, ctx, "prefix", "Delete an anycast prefix (and its drain)",
                            "PREFIX");
  {
    add_health_list_command(
        group, ctx, "List the anycast prefixes", "prefixes",
        {"PREFIX", "NEXT-HOP", "SERVICES", "COMMUNITIES", "MED", "DRAIN"},
        [](const store::HealthConfig& cfg, Json& items, Table& t) {
          for (const auto& p : cfg.prefixes) {
            const auto* d = cfg.drain_for(p.prefix);
            Json j = Json::parse(store::to_object(p).body);
            j["prefix"] = p.prefix;
            if (d) {
              j["drain"] = Json{{"target", d->target},
                                {"graceful_seconds", d->graceful_seconds},
                                {"started", d->started}};
            }
            items.push_back(j);
            std::vector<std::string> communities = p.communities;
            communities.insert(communities.end(), p.large_communities.begin(),
                               p.large_communities.end());
            t.add({p.prefix, p.next_hop, join_list(p.services, ","), join_list(communities, ","),
                   p.med ? std::to_string(*p.med) : "-",
                   d ? "since " + format_time(d->started) : "-"});
          }
        });
  }
}

}  // namespace

void add_health_commands(CLI::App& app, Context& ctx) {
  add_check_commands(app, ctx);
  add_service_commands(app, ctx);
  add_prefix_commands(app, ctx);
  add_bgp_commands(app, ctx);
  add_health_status_command(app, ctx);
  add_drain_commands(app, ctx);
}

}  // namespace cdn::cli
