// cli/history.cc: cdnctl history|diff|rollback. Rollback never rewrites history: it commits a
// new version whose content equals the old one.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "common/store/diff.h"

namespace cdn::cli {
namespace {

Json diff_json(const store::ConfigDiff& d) {
  auto records = [](const std::vector<store::RecordChange>& changes) {
    Json out = Json::array();
    for (const auto& c : changes) out.push_back({{"zone", c.zone}, {"record", c.record}});
    return out;
  };
  Json settings = Json::array();
  for (const auto& s : d.settings) {
    settings.push_back({{"key", s.key},
                        {"before", s.before ? Json(*s.before) : Json(nullptr)},
                        {"after", s.after ? Json(*s.after) : Json(nullptr)}});
  }
  Json steer = Json::array();
  for (const auto& c : d.steer) {
    steer.push_back({{"kind", c.kind},
                     {"key", c.key},
                     {"before", c.before ? Json(*c.before) : Json(nullptr)},
                     {"after", c.after ? Json(*c.after) : Json(nullptr)}});
  }
  return Json{{"from", d.from},
              {"to", d.to},
              {"zones_added", d.zones_added},
              {"zones_removed", d.zones_removed},
              {"records_added", records(d.records_added)},
              {"records_removed", records(d.records_removed)},
              {"settings", settings},
              {"steering", steer}};
}

void print_diff(const store::ConfigDiff& d) {
  std::cout << "--- v" << d.from << "\n+++ v" << d.to << '\n';
  for (const auto& z : d.zones_removed) std::cout << "- zone " << z << '\n';
  for (const auto& z : d.zones_added) std::cout << "+ zone " << z << '\n';
  for (const auto& r : d.records_removed) std::cout << "- " << r.record << '\n';
  for (const auto& r : d.records_added) std::cout << "+ " << r.record << '\n';
  for (const auto& s : d.settings) {
    if (s.before) std::cout << "- set " << s.key << " " << *s.before << '\n';
    if (s.after) std::cout << "+ set " << s.key << " " << *s.after << '\n';
  }
  for (const auto& c : d.steer) {
    if (c.before) std::cout << "- " << c.kind << " " << c.key << " " << *c.before << '\n';
    if (c.after) std::cout << "+ " << c.kind << " " << c.key << " " << *c.after << '\n';
  }
}

Result<int64_t> check_version(store::Db& db, int64_t version) {
  auto current = db.config_version();
  if (!current) return current.error();
  if (version < 0 || version > *current) {
    return Error("no version " + std::to_string(version) + " (versions are 0 to " +
                 std::to_string(*current) + ")");
  }
  return *current;
}

int history(const Context& ctx, int64_t limit, bool json) {
  auto db = open_db(ctx, false);
  if (!db) return fail(kExitRefused, db.error().text());
  auto rows = db->history(limit);
  if (!rows) return fail(kExitRefused, rows.error().text());
  if (json) {
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"version", r.version},
                     {"time", format_time(r.time)},
                     {"user", r.user},
                     {"command", r.command},
                     {"summary", r.summary}});
    }
    print_json(out);
    return kExitOk;
  }
  Table table({"VERSION", "TIME", "USER", "SUMMARY"});
  for (const auto& r : *rows) {
    table.add({"v" + std::to_string(r.version), format_time(r.time), r.user, r.summary});
  }
  table.print();
  return kExitOk;
}

struct DiffArgs {
  int64_t from = 0;
  int64_t to = -1;  // -1: the current version
  bool json = false;
};

int diff(const Context& ctx, const DiffArgs& args) {
  auto db = open_db(ctx, false);
  if (!db) return fail(kExitRefused, db.error().text());
  int64_t to = args.to;
  if (to < 0) {
    auto current = db->config_version();
    if (!current) return fail(kExitRefused, current.error().text());
    to = *current;
  }
  for (int64_t v : {args.from, to}) {
    if (auto ok = check_version(*db, v); !ok) return fail(kExitRefused, ok.error().text());
  }
  auto before = db->config(args.from);
  if (!before) return fail(kExitRefused, before.error().text());
  auto after = db->config(to);
  if (!after) return fail(kExitRefused, after.error().text());
  auto d = store::diff_configs(*before, *after);
  if (args.json) {
    print_json(diff_json(d));
  } else {
    print_diff(d);
  }
  return kExitOk;
}

int rollback(const Context& ctx, int64_t target) {
  auto change = open_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Db* db = change->db.get();
  store::Transaction* txn = &*change->txn;
  auto current = check_version(*db, target);
  if (!current) return fail(kExitRefused, current.error().text());
  if (target == *current) {
    std::cout << "v" << target << " is the current version; nothing to do\n";
    return kExitOk;
  }
  if (auto st = txn->restore(target); !st) return fail(kExitRefused, st.error().text());
  auto before = db->config(*current);
  auto after = db->config(txn->version());
  if (!before || !after) {
    return fail(kExitRefused, (before ? after.error() : before.error()).text());
  }
  auto d = store::diff_configs(*before, *after);
  std::string summary = "rolled back to v" + std::to_string(target) + " (+" +
                        std::to_string(d.records_added.size()) + " -" +
                        std::to_string(d.records_removed.size()) + " records, " +
                        std::to_string(d.settings.size()) + " settings, " +
                        std::to_string(d.steer.size()) + " steering or health objects)";
  return commit_change(ctx, *txn, summary);
}

}  // namespace

void add_history_commands(CLI::App& app, Context& ctx) {
  {
    auto limit = std::make_shared<int64_t>(0);
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("history", "Show the changelog, newest first");
    cmd->add_option("-n,--limit", *limit, "Show at most this many changes (0: all)");
    cmd->add_flag("--json", *json, "Print JSON instead of a table");
    cmd->footer("Example: cdnctl history -n 10");
    cmd->callback([&ctx, limit, json] {
      ctx.run = [&ctx, limit, json] { return history(ctx, *limit, *json); };
    });
  }
  {
    auto args = std::make_shared<DiffArgs>();
    auto* cmd = add_command(&app, ctx, "diff", "Show what changed between two config versions",
                            [args](const Context& c) { return diff(c, *args); });
    cmd->add_option("V1", args->from, "Older version")->required()->check(CLI::NonNegativeNumber);
    cmd->add_option("V2", args->to, "Newer version (default: the current one)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--json", args->json, "Print JSON instead of +/- lines");
    cmd->footer("Examples:\n  cdnctl diff 41 42\n  cdnctl diff 40");
  }
  {
    auto target = std::make_shared<int64_t>(0);
    auto* cmd = app.add_subcommand(
        "rollback", "Commit a new version whose content equals version V (history is kept)");
    cmd->add_option("V", *target, "The version to return to")
        ->required()
        ->check(CLI::NonNegativeNumber);
    cmd->footer("Example: cdnctl rollback 41 && cdnctl apply");
    cmd->callback([&ctx, target] { ctx.run = [&ctx, target] { return rollback(ctx, *target); }; });
  }
}

}  // namespace cdn::cli
