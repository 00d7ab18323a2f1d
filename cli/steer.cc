// cli/steer.cc: cdnctl steer add|list|delete. A steered name is an owner name inside a zone of
// the database whose A and AAAA answers come from a pool's edges; it cannot be a CNAME owner
// (RFC 1034 3.6.2: a CNAME owner has no other data).
#include <CLI/CLI.hpp>
#include <cctype>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace cdn::cli {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool inside(const std::string& name, const std::string& zone) {
  if (zone == ".") return true;
  return name == zone || (name.size() > zone.size() &&
                          name.compare(name.size() - zone.size(), zone.size(), zone) == 0 &&
                          name[name.size() - zone.size() - 1] == '.');
}

// The closest zone of `zones` enclosing `name`, "" when there is none.
std::string enclosing_zone(const std::string& name, const std::vector<store::ZoneHead>& zones) {
  std::string out;
  for (const auto& z : zones) {
    if (inside(name, z.name) && z.name.size() > out.size()) out = z.name;
  }
  return out;
}

// The rdata of a CNAME owned by `name` in `zone` at `version`, if there is one (reads only the
// records of that owner).
Result<std::optional<std::string>> cname_at(store::Db& db, const std::string& zone,
                                            const std::string& name, int64_t version) {
  auto records = db.records_at(zone, name, version);
  if (!records) return records.error();
  for (const auto& r : *records) {
    if (lower(r.type) == "cname") return std::optional<std::string>(r.rdata);
  }
  return std::optional<std::string>();
}

struct SteerArgs {
  std::string name;
  std::string pool;
  bool replace = false;
  bool json = false;
};

int steer_add(const Context& ctx, const SteerArgs& args) {
  auto name = canonical_zone_name(args.name);
  if (!name) return fail(kExitRefused, "bad name " + name.error().text());
  auto change = open_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Db* db = change->db.get();
  store::Transaction* txn = &*change->txn;
  int64_t current_version = txn->version() - 1;
  auto zones = db->zone_heads(current_version);
  if (!zones) return fail(kExitRefused, zones.error().text());
  std::string zone_name = enclosing_zone(*name, *zones);
  if (zone_name.empty()) {
    return fail(kExitRefused,
                "refused: " + *name + " is not inside any zone in the database (cdnctl zone list)");
  }
  auto cname = cname_at(*db, zone_name, *name, current_version);
  if (!cname) return fail(kExitRefused, cname.error().text());
  if (*cname) {
    return fail(kExitRefused, "refused: " + *name + " has CNAME data in zone " + zone_name + " (" +
                                  **cname + "); a steered name answers A and AAAA");
  }
  auto next = live_steer(*db, *txn);
  if (!next) return fail(kExitRefused, next.error().text());
  std::string previous;
  for (auto& n : next->names) {
    if (n.name != *name) continue;
    if (!args.replace) {
      return fail(kExitRefused, *name + " is steered to pool " + n.pool +
                                    " already; add --replace to change the pool");
    }
    previous = n.pool;
    n.pool = args.pool;
  }
  if (previous.empty()) next->names.push_back({*name, args.pool});
  if (!steer_valid(*next)) return kExitRefused;
  if (auto st = txn->put_steered_name({*name, args.pool}); !st) {
    return fail(kExitRefused, st.error().text());
  }
  std::string summary =
      previous.empty() ? "steered " + *name + " (zone " + zone_name + ") to pool " + args.pool
                       : "steered " + *name + " to pool " + args.pool + " (was " + previous + ")";
  return commit_change(ctx, *txn, summary);
}

int steer_delete(const Context& ctx, const std::string& text) {
  auto name = canonical_zone_name(text);
  if (!name) return fail(kExitRefused, "bad name " + name.error().text());
  auto change = open_steer_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  store::SteerConfig* current = &change->steer;
  if (!current->steered(*name)) return fail(kExitRefused, "no steered name " + *name);
  if (auto st = txn->delete_steered_name(*name); !st) return fail(kExitRefused, st.error().text());
  return commit_change(ctx, *txn, "stopped steering " + *name);
}

int steer_list(const Context& ctx, bool json) {
  auto config = read_steer(ctx);
  if (!config) return fail(kExitRefused, config.error().text());
  if (json) {
    Json names = Json::array();
    for (const auto& n : config->names) names.push_back({{"name", n.name}, {"pool", n.pool}});
    print_json(Json{{"version", config->version}, {"names", names}});
    return kExitOk;
  }
  Table table({"NAME", "POOL"});
  for (const auto& n : config->names) table.add({n.name, n.pool});
  table.print();
  return kExitOk;
}

// "" when the steered names of `version` fit its zones, else the first conflict.
Result<std::string> steering_conflict(store::Db& db, int64_t version) {
  auto steer = db.steer_config(version);
  if (!steer) return steer.error();
  if (steer->names.empty()) return std::string();
  auto zones = db.zone_heads(version);
  if (!zones) return zones.error();
  for (const auto& n : steer->names) {
    std::string zone_name = enclosing_zone(n.name, *zones);
    if (zone_name.empty()) {
      return "steered name " + n.name + " would be outside every zone (steered to pool " + n.pool +
             ")";
    }
    auto cname = cname_at(db, zone_name, n.name, version);
    if (!cname) return cname.error();
    if (*cname) return "steered name " + n.name + " would own CNAME data (" + **cname + ")";
  }
  return std::string();
}

}  // namespace

int check_steering_kept(store::Db& db, int64_t version) {
  auto why = steering_conflict(db, version);
  if (!why) return fail(kExitRefused, why.error().text());
  if (!why->empty()) {
    return fail(kExitRefused, "refused: " + *why + "; change the steering first (cdnctl steer)");
  }
  return kExitOk;
}

void add_steer_commands(CLI::App& app, Context& ctx) {
  auto* steer = add_group(app, "steer", "Steer names inside served zones to pools of edges",
                          {"cdnctl steer add www.example.com --pool web",
                           "cdnctl steer add www.example.com --pool backup --replace",
                           "cdnctl steer list --json", "cdnctl steer delete www.example.com"});
  {
    auto args = std::make_shared<SteerArgs>();
    auto* cmd = add_command(
        steer, ctx, "add",
        "Answer A and AAAA for FQDN from a pool's edges; FQDN must be inside a zone of the "
        "database and own no CNAME",
        [args](const Context& c) { return steer_add(c, *args); });
    cmd->add_option("FQDN", args->name, "Owner name, e.g. www.example.com")->required();
    cmd->add_option("--pool", args->pool, "Pool to answer from")->required();
    cmd->add_flag("--replace", args->replace, "Change the pool of a name steered already");
    cmd->footer("Example: cdnctl steer add www.example.com --pool web");
  }
  add_list_command(steer, ctx, "List steered names and their pools", "cdnctl steer list --json",
                   steer_list);
  add_delete_command(steer, ctx, "Stop steering a name", "Steered name (FQDN)",
                     "cdnctl steer delete www.example.com", steer_delete);
}

}  // namespace cdn::cli
