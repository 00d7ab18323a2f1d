// cli/pool.cc: cdnctl pool add|set|list|show|delete. A pool is a set of edges and the policy of
// answers built from them (how many addresses, TTL, what to answer when all are down, load
// water marks).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace cdn::cli {
namespace {

struct PoolArgs {
  CLI::App* cmd = nullptr;  // to tell which options were given (pool set)
  store::Pool pool;
  std::string all_down;
  bool json = false;
};

bool given(const PoolArgs& args, const char* option) { return args.cmd->count(option) > 0; }

// "serve-all" -> "", "fallback:POOL" -> "POOL".
Result<std::string> parse_all_down(const std::string& text) {
  if (text == "serve-all") return std::string();
  const std::string prefix = "fallback:";
  if (text.compare(0, prefix.size(), prefix) == 0 && text.size() > prefix.size()) {
    return text.substr(prefix.size());
  }
  return Error("--all-down " + text, "expected serve-all or fallback:POOL");
}

int pool_put(const Context& ctx, const PoolArgs& args, bool add) {
  const std::string& name = args.pool.name;
  if (auto why = store::check_object_name(name); !why.empty()) {
    return fail(kExitRefused, "bad pool name \"" + name + "\": " + why);
  }
  std::string fallback;
  if (given(args, "--all-down")) {
    auto parsed = parse_all_down(args.all_down);
    if (!parsed) return fail(kExitRefused, "refused: " + parsed.error().text());
    fallback = *parsed;
  }
  auto change = open_steer_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  store::SteerConfig* next = &change->steer;
  store::Pool* pool = find_named(next->pools, name);
  if (add && pool) return fail(kExitRefused, "pool " + name + " exists; change it with pool set");
  if (!add && !pool) return fail(kExitRefused, "no pool " + name + "; add it with pool add");
  if (add) {
    next->pools.push_back(store::Pool{});
    pool = &next->pools.back();
    pool->name = name;
  }
  std::string before = store::pool_text(*pool);
  if (given(args, "--edges")) {
    pool->edges.clear();
    for (const auto& e : args.pool.edges) {
      if (!e.empty()) pool->edges.push_back(e);  // "--edges ''" is no edges, "a,,b" is a,b
    }
  }
  if (given(args, "--answers")) pool->answers = args.pool.answers;
  if (given(args, "--ttl")) pool->ttl = args.pool.ttl;
  if (given(args, "--all-down")) pool->fallback = fallback;
  if (given(args, "--low")) pool->low = args.pool.low;
  if (given(args, "--high")) pool->high = args.pool.high;
  store::Pool after = *pool;
  if (!steer_valid(*next)) return kExitRefused;
  if (!add && before == store::pool_text(after)) {
    std::cout << "pool " << name << " unchanged\n";
    return kExitOk;
  }
  if (auto st = txn->put_pool(after); !st) return fail(kExitRefused, st.error().text());
  return commit_change(ctx, *txn,
                       std::string(add ? "added" : "changed") + " pool " + name + " (" +
                           store::pool_text(after) + ")");
}

int pool_delete(const Context& ctx, const std::string& name) {
  auto change = open_steer_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  store::SteerConfig* current = &change->steer;
  if (!current->pool(name)) return fail(kExitRefused, "no pool " + name);
  if (auto names = current->names_steered_to(name); !names.empty()) {
    return fail(kExitRefused, "refused: pool " + name + " is used by steered name" +
                                  (names.size() > 1 ? "s " : " ") + join_list(names, ", ") +
                                  "; delete them first (steer delete NAME)");
  }
  if (auto pools = current->pools_falling_back_to(name); !pools.empty()) {
    return fail(kExitRefused, "refused: pool " + name + " is the fallback of pool" +
                                  (pools.size() > 1 ? "s " : " ") + join_list(pools, ", "));
  }
  if (auto st = txn->delete_pool(name); !st) return fail(kExitRefused, st.error().text());
  return commit_change(ctx, *txn, "deleted pool " + name);
}

Json pool_json(const store::SteerConfig& config, const store::Pool& p) {
  return Json{{"name", p.name},
              {"edges", p.edges},
              {"answers", p.answers},
              {"ttl", p.ttl},
              {"all_down", p.all_down()},
              {"fallback", p.fallback.empty() ? Json(nullptr) : Json(p.fallback)},
              {"low", p.low},
              {"high", p.high},
              {"steered_names", config.names_steered_to(p.name)}};
}

int pool_list(const Context& ctx, bool json) {
  auto config = read_steer(ctx);
  if (!config) return fail(kExitRefused, config.error().text());
  if (json) {
    Json pools = Json::array();
    for (const auto& p : config->pools) pools.push_back(pool_json(*config, p));
    print_json(Json{{"version", config->version}, {"pools", pools}});
    return kExitOk;
  }
  Table table({"POOL", "EDGES", "ANSWERS", "TTL", "ALL-DOWN", "LOW", "HIGH"});
  for (const auto& p : config->pools) {
    table.add({p.name, join_list(p.edges, ","), std::to_string(p.answers), std::to_string(p.ttl),
               p.all_down(), store::format_number(p.low), store::format_number(p.high)});
  }
  table.print();
  return kExitOk;
}

int pool_show(const Context& ctx, const std::string& name, bool json) {
  auto config = read_steer(ctx);
  if (!config) return fail(kExitRefused, config.error().text());
  const store::Pool* p = config->pool(name);
  if (!p) return fail(kExitRefused, "no pool " + name + " in v" + std::to_string(config->version));
  if (json) {
    Json out = pool_json(*config, *p);
    out["version"] = config->version;
    print_json(out);
    return kExitOk;
  }
  Table table({"FIELD", "VALUE"});
  table.add({"name", p->name});
  table.add({"edges", join_list(p->edges, ",")});
  table.add({"answers", std::to_string(p->answers)});
  table.add({"ttl", std::to_string(p->ttl)});
  table.add({"all-down", p->all_down()});
  table.add({"low", store::format_number(p->low)});
  table.add({"high", store::format_number(p->high)});
  auto names = config->names_steered_to(name);
  table.add({"steered names", names.empty() ? "-" : join_list(names, ",")});
  table.print();
  return kExitOk;
}

void add_pool_options(CLI::App* cmd, PoolArgs& args, bool add) {
  auto* edges = cmd->add_option("--edges", args.pool.edges, "Edges, comma separated, in order")
                    ->delimiter(',');
  if (add) edges->required();
  cmd->add_option("--answers", args.pool.answers, "Addresses per answer, >= 1 (default 1)");
  cmd->add_option("--ttl", args.pool.ttl, "TTL of the answers in seconds, 0..86400 (default 60)");
  cmd->add_option("--all-down", args.all_down,
                  "When every edge is down: serve-all (answer all edges, the default) or "
                  "fallback:POOL");
  cmd->add_option("--low", args.pool.low, "Load low-water mark, 0..1 (default 0.8)");
  cmd->add_option("--high", args.pool.high, "Load high-water mark, low..1 (default 0.95)");
}

}  // namespace

void add_pool_commands(CLI::App& app, Context& ctx) {
  auto* pool = add_group(app, "pool", "Add, change, list, show and delete pools of edges",
                         {"cdnctl pool add web --edges fra1,ams1 --answers 2 --ttl 30",
                          "cdnctl pool add backup --edges lon1",
                          "cdnctl pool set web --all-down fallback:backup --low 0.7 --high 0.9",
                          "cdnctl pool list --json", "cdnctl pool delete backup"});
  for (bool add : {true, false}) {
    auto args = std::make_shared<PoolArgs>();
    auto* cmd = pool->add_subcommand(add ? "add" : "set",
                                     add ? "Add a pool of existing edges" : "Change a pool");
    args->cmd = cmd;
    cmd->add_option("NAME", args->pool.name, "Pool name: a-z, 0-9 and -")->required();
    add_pool_options(cmd, *args, add);
    cmd->footer(add ? "Example: cdnctl pool add web --edges fra1,ams1 --answers 2 --ttl 30 "
                      "--all-down serve-all --low 0.8 --high 0.95"
                    : "Examples:\n"
                      "  cdnctl pool set web --edges fra1,ams1,lon1\n"
                      "  cdnctl pool set web --all-down fallback:backup");
    cmd->callback(
        [&ctx, args, add] { ctx.run = [&ctx, args, add] { return pool_put(ctx, *args, add); }; });
  }
  add_list_command(pool, ctx, "List pools", "cdnctl pool list --json", pool_list);
  add_show_command(pool, ctx, "Show one pool and the names steered to it", "Pool name",
                   "cdnctl pool show web", pool_show);
  add_delete_command(
      pool, ctx, "Delete a pool (refused while a steered name or another pool's fallback uses it)",
      "Pool name", "cdnctl pool delete backup", pool_delete);
}

}  // namespace cdn::cli
