// cli/commands.h: what main.cc and the command files share: the global options, the command
// chosen on the command line, and the helpers several command groups use.
#pragma once
#include <functional>
#include <string>

#include "common/result.h"
#include "common/store/db.h"
#include "dns/zone/zone_data.h"

namespace CLI {
class App;
}

namespace cdn::cli {

struct Context {
  std::string db_path = "/var/lib/cdn/config.db";  // --db, CDN_DB
  std::string run_dir = "/run/cdn";                // --run-dir, CDN_RUN_DIR
  std::string command_line;                        // for the changelog: "zone import ..."
  std::function<int()> run;                        // set by the subcommand that was parsed
};

// An existing database (writes migrate it; reads never change it). Error.where is the path.
Result<store::Db> open_db(const Context& ctx, bool for_write);
// Starts a change recorded with the user and the command line.
Result<store::Transaction> begin_change(const Context& ctx, store::Db& db);

// "Example.COM" -> "example.com." (validated as a domain name).
Result<std::string> canonical_zone_name(const std::string& text);
// A parsed record as the store keeps it (presentation text split into its fields).
store::RecordRow record_row(const dns::RecordData& record);
// The zone as a master file, one record per line, in source order.
std::string zone_text(const store::ZoneRow& zone);

void add_zone_commands(CLI::App& app, Context& ctx);
void add_record_commands(CLI::App& app, Context& ctx);
void add_history_commands(CLI::App& app, Context& ctx);
void add_settings_commands(CLI::App& app, Context& ctx);
void add_daemon_commands(CLI::App& app, Context& ctx);

}  // namespace cdn::cli
