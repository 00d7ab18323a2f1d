// cli/daemon.cc: cdnctl status|apply: talking to the running daemons over their control
// sockets (common/control) in --run-dir.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "common/control/control.h"
#include "common/control/messages.h"

namespace cdn::cli {
namespace {

// Every daemon with a control socket, in the order apply asks them. dnsd serves the
// configuration, so apply fails when it is not running; the others are asked when present.
struct Daemon {
  std::string_view name;
  bool required_by_apply;
};
constexpr Daemon kDaemons[] = {
    {control::kDnsd, true}, {control::kHealthd, false}, {control::kEdged, false}};

std::string socket_path(const Context& ctx, const Daemon& d) {
  return control::socket_path(ctx.run_dir, d.name);
}

bool socket_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

int64_t json_int(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : -1;
}

std::string json_error(const Json& j) {
  auto it = j.find("error");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "refused without a reason";
}

int status(const Context& ctx, bool json, int timeout_s) {
  int64_t config_version = -1;
  std::string db_problem;
  if (auto db = open_db(ctx, false); !db) {
    db_problem = db.error().text();
  } else if (auto v = db->config_version(); !v) {
    db_problem = v.error().text();
  } else {
    config_version = *v;
  }

  int exit_code = kExitOk;
  Json daemons = Json::array();
  Table table({"DAEMON", "STATE", "VERSION", "ZONES", "UPTIME", "DETAIL"});
  std::vector<std::string> behind;
  for (const auto& d : kDaemons) {
    std::string path = socket_path(ctx, d);
    const std::string name(d.name);
    Json entry{{"name", name}, {"socket", path}};
    if (!socket_exists(path)) {
      entry["state"] = "not running";
      table.add({name, "not running", "", "", "", ""});
      daemons.push_back(entry);
      continue;
    }
    auto reply = control::call(path, control::encode(control::StatusRequest{}),
                               std::chrono::seconds(timeout_s));
    if (!reply) {
      exit_code = kExitUnreachable;
      entry["state"] = "unreachable";
      entry["error"] = reply.error().text();
      table.add({name, "unreachable", "", "", "", reply.error().what});
    } else if (reply->value("ok", false) != true) {
      entry["state"] = "error";
      entry["error"] = json_error(*reply);
      table.add({name, "error", "", "", "", json_error(*reply)});
    } else {
      int64_t version = json_int(*reply, "version");
      int64_t zones = json_int(*reply, "zones");
      int64_t uptime = json_int(*reply, "uptime_s");
      entry["state"] = "running";
      entry["reply"] = *reply;
      table.add({name, "running", version >= 0 ? "v" + std::to_string(version) : "-",
                 zones >= 0 ? std::to_string(zones) : "-",
                 uptime >= 0 ? format_duration(uptime) : "-", ""});
      if (config_version >= 0 && version >= 0 && version != config_version) {
        behind.push_back(name + " serves v" + std::to_string(version));
      }
    }
    daemons.push_back(entry);
  }

  if (json) {
    Json out{{"db", ctx.db_path}, {"run_dir", ctx.run_dir}, {"daemons", daemons}};
    out["config_version"] = config_version >= 0 ? Json(config_version) : Json(nullptr);
    if (!db_problem.empty()) out["db_error"] = db_problem;
    print_json(out);
    return exit_code;
  }
  if (config_version >= 0) {
    std::cout << "config: v" << config_version << " (" << ctx.db_path << ")\n";
  } else {
    std::cout << "config: unavailable: " << db_problem << '\n';
  }
  table.print();
  for (const auto& b : behind) {
    std::cout << b << ", config is v" << config_version << ": run `cdnctl apply` to load it\n";
  }
  return exit_code;
}

int apply(const Context& ctx, bool json, int timeout_s) {
  auto db = open_db(ctx, false);
  if (!db) return fail(kExitRefused, db.error().text());
  auto current = db->config_version();
  if (!current) return fail(kExitRefused, current.error().text());
  return load_in_daemons(ctx, *current, LoadOptions{json, timeout_s, true});
}

}  // namespace

int load_in_daemons(const Context& ctx, int64_t version, const LoadOptions& options) {
  bool refused = false;
  bool unreachable = false;
  int asked = 0;
  Json results = Json::array();
  for (const auto& d : kDaemons) {
    std::string path = socket_path(ctx, d);
    const std::string name(d.name);
    Json entry{{"name", name}, {"version", version}};
    std::string line;
    if (!socket_exists(path)) {
      if (!d.required_by_apply) continue;  // not installed or not started here: nothing to load
      if (!options.dnsd_required) {
        // A change made while dnsd is stopped: it reads the database when it starts.
        entry["state"] = "not running";
        line =
            name + ": not running here; it loads v" + std::to_string(version) + " when it starts";
        results.push_back(entry);
        if (!options.json) std::cout << line << '\n';
        continue;
      }
      unreachable = true;
      entry["state"] = "not running";
      entry["error"] = "no control socket at " + path;
      line = name + ": not running (no control socket at " + path + ")";
    } else {
      ++asked;
      auto reply = control::call(path, control::encode(control::ReloadRequest{version}),
                                 std::chrono::seconds(options.timeout_s));
      control::ReloadReply loaded;
      if (!reply) {
        unreachable = true;
        entry["state"] = "unreachable";
        entry["error"] = reply.error().text();
        line = name + ": unreachable: " + reply.error().text();
      } else if (auto why = control::refusal(*reply)) {
        refused = true;
        entry["state"] = "refused";
        entry["error"] = *why;
        line = name + ": refused v" + std::to_string(version) + ": " + *why;
      } else if (auto decoded = control::decode(*reply, loaded); !decoded) {
        refused = true;
        entry["state"] = "refused";
        entry["error"] = "bad reply: " + decoded.error().text();
        line = name + ": bad reply: " + decoded.error().text();
      } else if (loaded.version != version) {
        refused = true;
        entry["state"] = "refused";
        entry["error"] = "loaded v" + std::to_string(loaded.version) + " instead";
        line = name + ": loaded v" + std::to_string(loaded.version) + " instead of v" +
               std::to_string(version);
      } else {
        entry["state"] = "loaded";
        line = name + ": v" + std::to_string(version) + " loaded";
      }
    }
    results.push_back(entry);
    if (!options.json) (entry["state"] == "loaded" ? std::cout : std::cerr) << line << '\n';
  }
  if (options.json) print_json(Json{{"version", version}, {"daemons", results}});
  // A refusal is about the configuration (1); otherwise a missing daemon is 3.
  if (refused) return kExitRefused;
  if (unreachable || (asked == 0 && options.dnsd_required)) {
    if (!options.json) {
      std::cerr << "cdnctl: v" << version << " is committed but not loaded everywhere; "
                << "start the daemons (control sockets in " << ctx.run_dir << ") and run apply "
                << "again\n";
    }
    return kExitUnreachable;
  }
  return kExitOk;
}

void add_daemon_commands(CLI::App& app, Context& ctx) {
  // status and apply ask every daemon and wait for each answer, up to --timeout.
  struct Ask {
    const char* name;
    const char* help;
    int timeout_s;
    const char* timeout_help;
    const char* example;
    int (*run)(const Context&, bool json, int timeout_s);
  };
  const Ask asks[] = {
      {"status",
       "Show the config version and each daemon's state and loaded version (exit 3 when a "
       "daemon's socket exists but does not answer)",
       5, "Seconds to wait for each daemon", "cdnctl status --run-dir /run/cdn", status},
      {"apply",
       "Ask the running daemons to load the current config version and wait for each answer "
       "(exit 1 if one refuses, 3 if dnsd or an asked daemon is unreachable)",
       60, "Seconds to wait for each daemon's answer",
       "cdnctl record add example.com www 300 IN A 192.0.2.1 && cdnctl apply", apply},
  };
  for (const Ask& ask : asks) {
    auto json = std::make_shared<bool>(false);
    auto timeout = std::make_shared<int>(ask.timeout_s);
    auto* cmd = add_command(
        &app, ctx, ask.name, ask.help,
        [json, timeout, run = ask.run](const Context& c) { return run(c, *json, *timeout); });
    cmd->add_flag("--json", *json, "Print JSON");
    cmd->add_option("--timeout", *timeout, ask.timeout_help)
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->footer(std::string("Example: ") + ask.example);
  }
}

}  // namespace cdn::cli
