// cli/edge.cc: cdnctl edge add|set|list|show|delete|set-state, and the helpers every steering
// command shares. A change is accepted only if the whole steering configuration it leaves behind
// passes validate_steer_config (common/store/steer_config.h), so dnsd never has to refuse one.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "common/control/messages.h"

namespace cdn::cli {

Result<store::SteerConfig> read_steer(const Context& ctx) {
  auto db = open_db(ctx, false);
  if (!db) return db.error();
  if (auto st = db->exec("BEGIN"); !st) return st.error();
  auto version = db->config_version();
  if (!version) return version.error();
  auto config = db->steer_config(*version);
  (void)db->exec("COMMIT");
  return config;
}

Result<store::SteerConfig> live_steer(store::Db& db, const store::Transaction& txn) {
  return db.steer_config(txn.version() - 1);
}

bool steer_valid(const store::SteerConfig& next) {
  auto errors = store::validate_steer_config(next);
  for (const auto& e : errors) std::cerr << "cdnctl: refused: " << e.text() << '\n';
  return errors.empty();
}

int commit_change(const Context& ctx, store::Transaction& txn, const std::string& summary,
                  bool operational) {
  auto version = txn.commit(summary);
  if (!version) return fail(kExitRefused, version.error().text());
  std::cout << "v" << *version << ": " << summary << '\n';
  if (operational) return kExitOk;
  if (ctx.apply) return load_in_daemons(ctx, *version, LoadOptions{});
  std::cout << "committed, not live: `cdnctl apply` loads it (or give --apply)\n";
  return kExitOk;
}

std::string join_list(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

namespace {

struct EdgeArgs {
  CLI::App* cmd = nullptr;  // to tell which options were given (edge set)
  store::Edge edge;
  std::string ipv4, ipv6;  // as given: "" removes the address (edge set)
  bool json = false;
  std::string state;  // set-state
  double load = 0;
};

bool given(const EdgeArgs& args, const char* option) { return args.cmd->count(option) > 0; }

// An address option: "" is none; anything else must be a literal address of `family`.
Status parse_address_option(const std::string& edge, const std::string& text, net::Family family,
                            std::optional<net::Address>& out) {
  if (text.empty()) {
    out.reset();
    return Ok{};
  }
  const bool v4 = family == net::Family::V4;
  const std::string where = std::string("edge ") + edge + ": " + (v4 ? "ipv4 " : "ipv6 ") + text;
  auto parsed = net::parse_address(text);
  if (!parsed)
    return Error(where, v4 ? "not a literal IPv4 address" : "not a literal IPv6 address");
  if (parsed->family != family)
    return Error(where, v4 ? "an IPv6 address where IPv4 is expected"
                           : "an IPv4 address where IPv6 is expected");
  out = *parsed;
  return Ok{};
}

// Copies the options given on the command line onto `edge`.
Status apply_options(const EdgeArgs& args, store::Edge& edge) {
  if (given(args, "--site")) edge.site = args.edge.site;
  if (given(args, "--lat")) edge.latitude = args.edge.latitude;
  if (given(args, "--lon")) edge.longitude = args.edge.longitude;
  if (given(args, "--ipv4")) {
    auto st = parse_address_option(edge.name, args.ipv4, net::Family::V4, edge.ipv4);
    if (!st) return st;
  }
  if (given(args, "--ipv6")) {
    auto st = parse_address_option(edge.name, args.ipv6, net::Family::V6, edge.ipv6);
    if (!st) return st;
  }
  if (given(args, "--capacity")) edge.capacity = args.edge.capacity;
  if (given(args, "--weight")) edge.weight = args.edge.weight;
  return Ok{};
}

int edge_put(const Context& ctx, const EdgeArgs& args, bool add) {
  const std::string& name = args.edge.name;
  if (auto why = store::check_object_name(name); !why.empty()) {
    return fail(kExitRefused, "bad edge name \"" + name + "\": " + why);
  }
  auto change = open_steer_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  store::SteerConfig* next = &change->steer;
  store::Edge* edge = find_named(next->edges, name);
  if (add && edge) return fail(kExitRefused, "edge " + name + " exists; change it with edge set");
  if (!add && !edge) return fail(kExitRefused, "no edge " + name + "; add it with edge add");
  if (add) {
    next->edges.push_back(store::Edge{});
    next->edges.back().name = name;
    edge = &next->edges.back();
  }
  store::Edge before = *edge;
  if (auto st = apply_options(args, *edge); !st) {
    return fail(kExitRefused, "refused: " + st.error().text());
  }
  store::Edge after = *edge;
  if (!steer_valid(*next)) return kExitRefused;
  if (auto st = txn->put_edge(after); !st) return fail(kExitRefused, st.error().text());
  std::string summary = add ? "added edge " + name + " (" + store::edge_text(after) + ")"
                            : "changed edge " + name + " (" + store::edge_text(after) + ")";
  if (!add && store::edge_text(before) == store::edge_text(after)) {
    std::cout << "edge " << name << " unchanged\n";
    return kExitOk;
  }
  return commit_change(ctx, *txn, summary);
}

int edge_delete(const Context& ctx, const std::string& name) {
  auto change = open_steer_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  store::SteerConfig* current = &change->steer;
  if (!current->edge(name)) return fail(kExitRefused, "no edge " + name);
  if (auto pools = current->pools_using_edge(name); !pools.empty()) {
    return fail(kExitRefused, "refused: edge " + name + " is used by pool" +
                                  (pools.size() > 1 ? "s " : " ") + join_list(pools, ", ") +
                                  "; remove it from them first (pool set NAME --edges ...)");
  }
  if (auto st = txn->delete_edge(name); !st) return fail(kExitRefused, st.error().text());
  return commit_change(ctx, *txn, "deleted edge " + name);
}

Json override_json(const store::EdgeOverride* o) {
  if (!o) return Json(nullptr);
  return Json{{"state", o->state}, {"load", o->load ? Json(*o->load) : Json(nullptr)}};
}

Json edge_json(const store::SteerConfig& config, const store::Edge& e) {
  return Json{{"name", e.name},
              {"site", e.site},
              {"latitude", e.latitude},
              {"longitude", e.longitude},
              {"ipv4", e.ipv4 ? Json(e.ipv4->text()) : Json(nullptr)},
              {"ipv6", e.ipv6 ? Json(e.ipv6->text()) : Json(nullptr)},
              {"capacity", e.capacity},
              {"weight", e.weight},
              {"override", override_json(config.override_for(e.name))},
              {"pools", config.pools_using_edge(e.name)}};
}

std::string state_text(const store::EdgeOverride* o) {
  if (!o) return "auto";
  return o->state + (o->load ? " load=" + store::format_number(*o->load) : "");
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }
std::string or_dash(const std::optional<net::Address>& a) { return a ? a->text() : "-"; }

int edge_list(const Context& ctx, bool json) {
  auto config = read_steer(ctx);
  if (!config) return fail(kExitRefused, config.error().text());
  if (json) {
    Json edges = Json::array();
    for (const auto& e : config->edges) edges.push_back(edge_json(*config, e));
    print_json(Json{{"version", config->version}, {"edges", edges}});
    return kExitOk;
  }
  Table table({"EDGE", "SITE", "LAT", "LON", "IPV4", "IPV6", "CAPACITY", "WEIGHT", "STATE"});
  for (const auto& e : config->edges) {
    table.add({e.name, or_dash(e.site), store::format_number(e.latitude),
               store::format_number(e.longitude), or_dash(e.ipv4), or_dash(e.ipv6),
               std::to_string(e.capacity), std::to_string(e.weight),
               state_text(config->override_for(e.name))});
  }
  table.print();
  return kExitOk;
}

int edge_show(const Context& ctx, const std::string& name, bool json) {
  auto config = read_steer(ctx);
  if (!config) return fail(kExitRefused, config.error().text());
  const store::Edge* e = config->edge(name);
  if (!e) return fail(kExitRefused, "no edge " + name + " in v" + std::to_string(config->version));
  int64_t latency = 0;
  for (const auto& l : config->latency) latency += l.edge == name ? 1 : 0;
  if (json) {
    Json out = edge_json(*config, *e);
    out["version"] = config->version;
    out["latency_entries"] = latency;
    print_json(out);
    return kExitOk;
  }
  Table table({"FIELD", "VALUE"});
  table.add({"name", e->name});
  table.add({"site", or_dash(e->site)});
  table.add({"latitude", store::format_number(e->latitude)});
  table.add({"longitude", store::format_number(e->longitude)});
  table.add({"ipv4", or_dash(e->ipv4)});
  table.add({"ipv6", or_dash(e->ipv6)});
  table.add({"capacity", std::to_string(e->capacity)});
  table.add({"weight", std::to_string(e->weight)});
  table.add({"state", state_text(config->override_for(name))});
  table.add({"pools", or_dash(join_list(config->pools_using_edge(name), ","))});
  table.add({"latency entries", std::to_string(latency)});
  table.print();
  return kExitOk;
}

// An override acts at once: committed, then pushed to the running cdn-dnsd (which reads the same
// from the database on its next load). Exit 3 when dnsd's socket is there but does not confirm.
int push_override(const Context& ctx, const control::OverrideRequest& request) {
  std::string path = control::socket_path(ctx.run_dir, control::kDnsd);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::cout << "dnsd: not running here (no " << path << "); it reads this when it starts\n";
    return kExitOk;
  }
  auto reply = control::call(path, control::encode(request), std::chrono::seconds(10));
  if (!reply) {
    std::cerr << "dnsd: unreachable: " << reply.error().text()
              << " (committed, not live: run `cdnctl apply` once dnsd answers)\n";
    return kExitUnreachable;
  }
  if (auto why = control::refusal(*reply)) {
    std::cerr << "dnsd: refused the override: " << *why
              << " (committed; `cdnctl apply` loads it with the config)\n";
    return kExitUnreachable;
  }
  std::cout << "dnsd: override of " << request.edge << " applied\n";
  return kExitOk;
}

int edge_set_state(const Context& ctx, const EdgeArgs& args) {
  const std::string& name = args.edge.name;
  bool with_load = given(args, "--load");
  if (args.state == "auto" && with_load) {
    return fail(kExitRefused,
                "refused: --load cannot be combined with auto (auto clears the "
                "operator override, load included)");
  }
  auto change = open_steer_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  store::SteerConfig* next = &change->steer;
  if (!next->edge(name)) return fail(kExitRefused, "no edge " + name);
  const store::EdgeOverride* current = next->override_for(name);
  if (args.state == "auto") {
    if (!current) {
      std::cout << "edge " << name << " has no override; nothing to do\n";
      return kExitOk;
    }
    if (auto st = txn->clear_edge_override(name); !st) return fail(kExitRefused, st.error().text());
    auto version = txn->commit("edge " + name + " state auto (override " +
                               store::override_text(*current) + " cleared)");
    if (!version) return fail(kExitRefused, version.error().text());
    std::cout << "v" << *version << ": edge " << name << " state auto (override "
              << store::override_text(*current) << " cleared)\n";
    return push_override(ctx, control::OverrideRequest{name, std::nullopt, std::nullopt});
  }
  store::EdgeOverride o{name, args.state, std::nullopt};
  if (with_load) o.load = args.load;
  std::erase_if(next->overrides, [&](const store::EdgeOverride& x) { return x.edge == name; });
  next->overrides.push_back(o);
  if (!steer_valid(*next)) return kExitRefused;
  if (auto st = txn->set_edge_override(o); !st) return fail(kExitRefused, st.error().text());
  std::string summary = "edge " + name + " override " + store::override_text(o);
  auto version = txn->commit(summary);
  if (!version) return fail(kExitRefused, version.error().text());
  std::cout << "v" << *version << ": " << summary << '\n';
  return push_override(ctx, control::OverrideRequest{name, parse_availability(o.state), o.load});
}

void add_edge_options(CLI::App* cmd, EdgeArgs& args, bool add) {
  auto* lat = cmd->add_option("--lat", args.edge.latitude, "Latitude, -90..90");
  auto* lon = cmd->add_option("--lon", args.edge.longitude, "Longitude, -180..180");
  if (add) {
    lat->required();
    lon->required();
  }
  cmd->add_option("--ipv4", args.ipv4,
                  add ? "IPv4 address answered for this edge"
                      : "IPv4 address answered for this edge ('' removes it)");
  cmd->add_option("--ipv6", args.ipv6,
                  add ? "IPv6 address answered for this edge"
                      : "IPv6 address answered for this edge ('' removes it)");
  cmd->add_option("--site", args.edge.site, "Site (PoP) name, e.g. fra");
  cmd->add_option("--capacity", args.edge.capacity, "Capacity, > 0 (default 1)");
  cmd->add_option("--weight", args.edge.weight, "Weight among equal scores, > 0 (default 1)");
}

}  // namespace

void add_edge_commands(CLI::App& app, Context& ctx) {
  auto* edge = add_group(
      app, "edge", "Add, change, list, show and delete steering edges",
      {"cdnctl edge add fra1 --lat 50.11 --lon 8.68 --ipv4 192.0.2.10 --site fra",
       "cdnctl edge set fra1 --ipv6 2001:db8::10 --capacity 200", "cdnctl edge list --json",
       "cdnctl edge set-state fra1 drain", "cdnctl edge delete fra1"});
  for (bool add : {true, false}) {
    auto args = std::make_shared<EdgeArgs>();
    auto* cmd = edge->add_subcommand(
        add ? "add" : "set",
        add ? "Add an edge (at least one of --ipv4/--ipv6)" : "Change options of an edge");
    args->cmd = cmd;
    cmd->add_option("NAME", args->edge.name, "Edge name: a-z, 0-9 and -")->required();
    add_edge_options(cmd, *args, add);
    cmd->footer(add ? "Examples:\n"
                      "  cdnctl edge add fra1 --lat 50.11 --lon 8.68 --ipv4 192.0.2.10\n"
                      "  cdnctl edge add ams1 --lat 52.37 --lon 4.9 --ipv4 192.0.2.20 "
                      "--ipv6 2001:db8::20 --site ams --capacity 100 --weight 2"
                    : "Examples:\n"
                      "  cdnctl edge set fra1 --weight 3\n"
                      "  cdnctl edge set fra1 --ipv6 ''   # removes the IPv6 address");
    cmd->callback(
        [&ctx, args, add] { ctx.run = [&ctx, args, add] { return edge_put(ctx, *args, add); }; });
  }
  add_list_command(edge, ctx, "List edges with their operator state override",
                   "cdnctl edge list --json", edge_list);
  add_show_command(edge, ctx, "Show one edge, its pools and its override", "Edge name",
                   "cdnctl edge show fra1 --json", edge_show);
  add_delete_command(edge, ctx, "Delete an edge (refused while a pool uses it)", "Edge name",
                     "cdnctl edge delete fra1", edge_delete);
  {
    auto args = std::make_shared<EdgeArgs>();
    auto* cmd = add_command(
        edge, ctx, "set-state",
        "Override an edge's state (up, down, drain) and optionally its load, at once: "
        "committed and pushed to the running cdn-dnsd (exit 3 when it does not confirm); the "
        "override wins over the state healthd pushes until `auto` clears it",
        [args](const Context& c) { return edge_set_state(c, *args); });
    args->cmd = cmd;
    cmd->add_option("NAME", args->edge.name, "Edge name")->required();
    cmd->add_option("STATE", args->state, "up, down, drain or auto")
        ->required()
        ->check(CLI::IsMember({"up", "down", "drain", "auto"}));
    cmd->add_option("--load", args->load, "Load to assume, a fraction of capacity (>= 0)");
    cmd->footer(
        "Examples:\n"
        "  cdnctl edge set-state fra1 drain\n"
        "  cdnctl edge set-state fra1 up --load 0.5\n"
        "  cdnctl edge set-state fra1 auto   # back to the pushed state");
  }
}

}  // namespace cdn::cli
