// cli/health_change.h: what the commands on cdn-healthd's objects share (health.cc, bgp.cc):
// reading them, changing them as one checked version, registering their list and delete
// commands, and talking to healthd.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/store/health_config.h"

namespace cdn::cli {

std::string healthd_socket(const Context& ctx);

// The live objects and settings as an open change sees them.
struct HealthLive {
  std::vector<store::HealthObject> objects;
  std::map<std::string, std::string> settings;
};
Result<HealthLive> live_health(store::Db& db, const store::Transaction& txn);
bool has_object(const HealthLive& live, const std::string& kind, const std::string& name);

// For reads: a stored config that breaks a rule (edited behind cdnctl's back) is shown with
// warnings, not refused.
Result<store::HealthConfig> read_health(const Context& ctx);

// One change to healthd's objects: `puts` replace or add, `deletes` (kind, name) go.
struct HealthChange {
  std::vector<store::HealthObject> puts;
  std::vector<std::pair<std::string, std::string>> deletes;
  std::string summary;
  bool operational = false;  // a drain: pushed to healthd by its command, not left for apply
};
// Commits `change` unless `precheck` (given the live objects) says why not, or the whole
// configuration after it breaks a rule (each printed). Returns the exit code.
int commit_health(const Context& ctx, const HealthChange& change,
                  const std::function<std::string(const HealthLive&)>& precheck = {});

// `GROUP delete NAME` for one kind of object. A prefix's name is made canonical first, and its
// drain goes with it.
void add_health_delete_command(CLI::App* group, Context& ctx, const std::string& kind,
                               const std::string& help, const std::string& arg);
// `GROUP list [--json]`: `fill` adds one JSON object and one table row per object.
using HealthListFill = std::function<void(const store::HealthConfig&, Json& items, Table& table)>;
void add_health_list_command(CLI::App* group, Context& ctx, const std::string& help,
                             const std::string& key, const std::vector<std::string>& header,
                             const HealthListFill& fill);

// Asks healthd to load the current version, when it runs; prints what happened. The exit code:
// ok (also when healthd is not running here: it reads the database when it starts), refused,
// or unreachable (committed, not loaded: `cdnctl apply` later).
int reload_healthd(const Context& ctx);
// Asks healthd for one of its documents (an encoded health or bgp-status request).
Result<Json> ask_healthd(const Context& ctx, const Json& request);

// bgp.cc
void add_bgp_commands(CLI::App& app, Context& ctx);
void add_health_status_command(CLI::App& app, Context& ctx);
void add_drain_commands(CLI::App& app, Context& ctx);

}  // namespace cdn::cli
