// cli/main.cc: cdnctl, the operator's tool. Every change is one transaction in the config
// database (one new config version with a changelog row); `apply` then asks the daemons to load
// it. Exit codes: cli/exit_codes.h.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace cdn::cli {

Result<store::Db> open_db(const Context& ctx, bool for_write) {
  std::error_code ec;
  if (!std::filesystem::exists(ctx.db_path, ec)) {
    return Error(ctx.db_path, "no database here; create it with `cdnctl --db " + ctx.db_path +
                                  " init` (or set --db / CDN_DB)");
  }
  store::Db::Options options;
  options.read_only = !for_write;
  options.create = false;
  return store::Db::open(ctx.db_path, options);
}

Result<ReadView> open_current(const Context& ctx) {
  auto db = open_db(ctx, false);
  if (!db) return db.error();
  auto version = db->config_version();
  if (!version) return version.error();
  return ReadView{std::move(*db), *version};
}

Result<store::Transaction> begin_change(const Context& ctx, store::Db& db) {
  return store::Transaction::begin(db, store::current_user(), ctx.command_line);
}

Result<OpenChange> open_change(const Context& ctx) {
  auto db = open_db(ctx, true);
  if (!db) return db.error();
  OpenChange out;
  out.db = std::make_unique<store::Db>(std::move(*db));
  auto txn = begin_change(ctx, *out.db);
  if (!txn) return txn.error();
  out.txn.emplace(std::move(*txn));
  return out;
}

Result<OpenChange> open_zone_change(const Context& ctx, const std::string& zone) {
  auto change = open_change(ctx);
  if (!change) return change.error();
  auto exists = change->txn->zone_exists(zone);
  if (!exists) return exists.error();
  change->zone_exists = *exists;
  return change;
}

Result<OpenChange> open_steer_change(const Context& ctx) {
  auto change = open_change(ctx);
  if (!change) return change.error();
  auto steer = change->db->steer_config(change->txn->version() - 1);
  if (!steer) return steer.error();
  change->steer = std::move(*steer);
  return change;
}

CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& help,
                    const std::vector<std::string>& examples) {
  auto* group = app.add_subcommand(name, help);
  group->require_subcommand(1);
  std::string footer = "Examples:";
  for (const auto& example : examples) footer += "\n  " + example;
  group->footer(footer);
  return group;
}

CLI::App* add_command(CLI::App* group, Context& ctx, const std::string& name,
                      const std::string& help, std::function<int(const Context&)> run) {
  auto* cmd = group->add_subcommand(name, help);
  cmd->callback([&ctx, run = std::move(run)] { ctx.run = [&ctx, run] { return run(ctx); }; });
  return cmd;
}

void add_list_command(CLI::App* group, Context& ctx, const std::string& help,
                      const std::string& example, std::function<int(const Context&, bool)> run) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = group->add_subcommand("list", help);
  cmd->add_flag("--json", *json, "Print JSON instead of a table");
  cmd->footer("Example: " + example);
  cmd->callback([&ctx, json, run = std::move(run)] {
    ctx.run = [&ctx, json, run] { return run(ctx, *json); };
  });
}

void add_show_command(CLI::App* group, Context& ctx, const std::string& help,
                      const std::string& what, const std::string& example,
                      std::function<int(const Context&, const std::string&, bool)> run) {
  auto name = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = group->add_subcommand("show", help);
  cmd->add_option("NAME", *name, what)->required();
  cmd->add_flag("--json", *json, "Print JSON instead of a table");
  cmd->footer("Example: " + example);
  cmd->callback([&ctx, name, json, run = std::move(run)] {
    ctx.run = [&ctx, name, json, run] { return run(ctx, *name, *json); };
  });
}

void add_delete_command(CLI::App* group, Context& ctx, const std::string& help,
                        const std::string& what, const std::string& example,
                        std::function<int(const Context&, const std::string&)> run) {
  auto name = std::make_shared<std::string>();
  auto* cmd = group->add_subcommand("delete", help);
  cmd->add_option("NAME", *name, what)->required();
  cmd->footer("Example: " + example);
  cmd->callback([&ctx, name, run = std::move(run)] {
    ctx.run = [&ctx, name, run] { return run(ctx, *name); };
  });
}

namespace {

int init(const Context& ctx) {
  std::filesystem::path parent = std::filesystem::path(ctx.db_path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return fail(kExitRefused, parent.string() + ": " + ec.message());
  bool existed = std::filesystem::exists(ctx.db_path, ec);
  auto db = store::Db::open(ctx.db_path);
  if (!db) return fail(kExitRefused, db.error().text());
  auto schema = db->schema_version();
  auto version = db->config_version();
  if (!schema || !version) return fail(kExitRefused, "cannot read the new database");
  std::cout << (existed ? "database " : "created ") << ctx.db_path << ": schema " << *schema
            << ", config v" << *version << '\n';
  return kExitOk;
}

std::string shell_join(int argc, char** argv) {
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!out.empty()) out += ' ';
    if (arg.empty() || arg.find_first_of(" \t'\"\\$") != std::string::npos) {
      out += '\'';
      for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    } else {
      out += arg;
    }
  }
  return out;
}

}  // namespace
}  // namespace cdn::cli

namespace {

int run(int argc, char** argv) {
  using namespace cdn::cli;
  Context ctx;
  ctx.command_line = shell_join(argc, argv);

  CLI::App app(
      "cdnctl: configure the CDN appliance (zones, records, settings, steering), inspect its "
      "history and load it into the running daemons.",
      "cdnctl");
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--db", ctx.db_path, "Configuration database (env CDN_DB)")
      ->envname("CDN_DB")
      ->capture_default_str();
  app.add_option("--run-dir", ctx.run_dir,
                 "Directory of the daemons' control sockets dnsd.sock, healthd.sock, edged.sock "
                 "(env CDN_RUN_DIR)")
      ->envname("CDN_RUN_DIR")
      ->capture_default_str();
  app.add_flag("--apply", ctx.apply,
               "After a config change, load it in the running daemons at once (as `cdnctl "
               "apply`; exit 3 when one does not confirm)");
  app.footer(
      "Config changes are committed as a new version and go live with `cdnctl apply` (or\n"
      "--apply); operational changes (edge set-state, drain, undrain) act at once.\n"
      "Examples:\n"
      "  cdnctl init\n"
      "  cdnctl zone import example.com example.com.zone\n"
      "  cdnctl record add example.com www 300 IN A 192.0.2.1\n"
      "  cdnctl set dns.listen 192.0.2.53:53\n"
      "  cdnctl edge add fra1 --lat 50.11 --lon 8.68 --ipv4 192.0.2.10\n"
      "  cdnctl pool add web --edges fra1,ams1 && cdnctl steer add www.example.com --pool web\n"
      "  cdnctl history && cdnctl diff 3 4\n"
      "  cdnctl apply                 # prints e.g. \"dnsd: v4 loaded\"\n"
      "  cdnctl --db /tmp/t.db zone list --json\n"
      "Exit codes: 0 ok, 1 refused or invalid, 2 usage, 3 daemon unreachable.\n"
      "Run `cdnctl COMMAND --help` for a command's options and examples.");

  auto* init_cmd = app.add_subcommand(
      "init", "Create the database (and its directory) or migrate an existing one");
  init_cmd->footer("Example: cdnctl --db /var/lib/cdn/config.db init");
  init_cmd->callback([&ctx] { ctx.run = [&ctx] { return init(ctx); }; });
  add_zone_commands(app, ctx);
  add_record_commands(app, ctx);
  add_history_commands(app, ctx);
  add_settings_commands(app, ctx);
  add_daemon_commands(app, ctx);
  add_edge_commands(app, ctx);
  add_pool_commands(app, ctx);
  add_steer_commands(app, ctx);
  add_geoip_commands(app, ctx);
  add_explain_command(app, ctx);
  add_latency_commands(app, ctx);
  add_health_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!ctx.run) return kExitUsage;
  try {
    return ctx.run();
  } catch (const std::exception& e) {
    return fail(kExitRefused, std::string("internal error: ") + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return cdn::cli::fail(cdn::cli::kExitRefused, std::string("internal error: ") + e.what());
  }
}
