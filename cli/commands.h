// cli/commands.h: what main.cc and the command files share: the global options, the command
// chosen on the command line, and the helpers several command groups use.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/store/db.h"
#include "common/store/steer_config.h"
#include "dns/zone/zone_data.h"

namespace CLI {
class App;
}

namespace cdn::cli {

struct Context {
  std::string db_path = "/var/lib/cdn/config.db";  // --db, CDN_DB
  std::string run_dir = "/run/cdn";                // --run-dir, CDN_RUN_DIR
  std::string command_line;                        // for the changelog: "zone import ..."
  bool apply = false;                              // --apply: load a config change at once
  std::function<int()> run;                        // set by the subcommand that was parsed
};

// An existing database (writes migrate it; reads never change it). Error.where is the path.
Result<store::Db> open_db(const Context& ctx, bool for_write);
// For reads: the database and its current config version.
struct ReadView {
  store::Db db;
  int64_t version = 0;
};
Result<ReadView> open_current(const Context& ctx);
// Starts a change recorded with the user and the command line.
Result<store::Transaction> begin_change(const Context& ctx, store::Db& db);

// A config change in progress: the database opened for writing and the change begun (it rolls
// back unless committed); for steering commands also the live steering it starts from, for
// zone commands whether the zone exists.
struct OpenChange {
  std::unique_ptr<store::Db> db;  // on the heap: the transaction points at it
  std::optional<store::Transaction> txn;
  store::SteerConfig steer;  // open_steer_change only
  bool zone_exists = false;  // open_zone_change only: the zone is there before the change
};
Result<OpenChange> open_change(const Context& ctx);
// The element of `items` (edges, pools, ...) named `name`, or nullptr.
template <class T>
T* find_named(std::vector<T>& items, const std::string& name) {
  for (auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}
Result<OpenChange> open_steer_change(const Context& ctx);
Result<OpenChange> open_zone_change(const Context& ctx, const std::string& zone);

// "Example.COM" -> "example.com." (validated as a domain name).
Result<std::string> canonical_zone_name(const std::string& text);
// A parsed record as the store keeps it (presentation text split into its fields).
store::RecordRow record_row(const dns::RecordData& record);
// The zone as a master file, one record per line, in source order.
std::string zone_text(const store::ZoneRow& zone);

// Steering commands (edge.cc, pool.cc, steer.cc, latency.cc, geoip.cc); helpers in edge.cc.
// The steering configuration at the current version, for reads.
Result<store::SteerConfig> read_steer(const Context& ctx);
// The live steering configuration as the open change `txn` sees it.
Result<store::SteerConfig> live_steer(store::Db& db, const store::Transaction& txn);
// Prints every rule `next` breaks as "cdnctl: refused: WHERE: WHAT"; false when there is one.
bool steer_valid(const store::SteerConfig& next);
// Commits the change and prints "vN: SUMMARY". A config change is then loaded in the running
// daemons with --apply (as `cdnctl apply`), else the output says it is not live yet; an
// operational change (a drain) is pushed by its command. Returns the exit code.
int commit_change(const Context& ctx, store::Transaction& txn, const std::string& summary,
                  bool operational = false);
std::string join_list(const std::vector<std::string>& items, const std::string& separator);
// kExitOk when every steered name of `version` is inside a zone of `version` and owns no CNAME
// there; else prints why and returns kExitRefused (steer.cc). Zone and record changes check the
// version they are writing.
int check_steering_kept(store::Db& db, int64_t version);
// "" when `path` is a readable, non-empty regular file, else why not (geoip.cc).
std::string check_readable_file(const std::string& path);

// Asks every running daemon to load `version` and waits for each answer (daemon.cc); prints
// "dnsd: v42 loaded" per daemon. Exit: ok, refused (a daemon refused the version) or
// unreachable (a socket that does not answer; with dnsd_required also no dnsd at all).
struct LoadOptions {
  bool json = false;
  int timeout_s = 60;
  bool dnsd_required = true;  // apply: yes; an operational change made while dnsd is stopped: no
};
int load_in_daemons(const Context& ctx, int64_t version, const LoadOptions& options);

// `cdnctl NAME SUBCOMMAND ...`: a group of commands that needs one of them; `examples` (command
// lines) are listed in its --help.
CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& help,
                    const std::vector<std::string>& examples);

// `GROUP NAME ...`: a command that runs `run` once the command line is parsed; the caller adds
// its options, bound to the state `run` shares.
CLI::App* add_command(CLI::App* group, Context& ctx, const std::string& name,
                      const std::string& help, std::function<int(const Context&)> run);

// The read and delete subcommands every object group has, registered in one line each:
//   GROUP list [--json]            run(ctx, json)
//   GROUP show NAME [--json]       run(ctx, name, json)
//   GROUP delete NAME              run(ctx, name)
// `what` names the argument in --help ("Edge name"); `example` is the footer's example.
void add_list_command(CLI::App* group, Context& ctx, const std::string& help,
                      const std::string& example, std::function<int(const Context&, bool)> run);
void add_show_command(CLI::App* group, Context& ctx, const std::string& help,
                      const std::string& what, const std::string& example,
                      std::function<int(const Context&, const std::string&, bool)> run);
void add_delete_command(CLI::App* group, Context& ctx, const std::string& help,
                        const std::string& what, const std::string& example,
                        std::function<int(const Context&, const std::string&)> run);

void add_zone_commands(CLI::App& app, Context& ctx);
void add_record_commands(CLI::App& app, Context& ctx);
void add_history_commands(CLI::App& app, Context& ctx);
void add_settings_commands(CLI::App& app, Context& ctx);
void add_daemon_commands(CLI::App& app, Context& ctx);
void add_edge_commands(CLI::App& app, Context& ctx);
void add_pool_commands(CLI::App& app, Context& ctx);
void add_steer_commands(CLI::App& app, Context& ctx);
void add_geoip_commands(CLI::App& app, Context& ctx);
void add_explain_command(CLI::App& app, Context& ctx);
void add_latency_commands(CLI::App& app, Context& ctx);
// cdn-healthd and BGP: check, service, prefix, bgp, health, drain, undrain (health.cc).
void add_health_commands(CLI::App& app, Context& ctx);

}  // namespace cdn::cli
