// cli/latency.cc: cdnctl latency import|list. The latency map holds measured round-trip times
// from client networks to edges; steering prefers it to distance where it has an entry.
// An import replaces the whole map as one change, and only if every line is valid.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace cdn::cli {
namespace {

constexpr double kMaxRttMs = 60000;

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    out.push_back(
        trim(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

int latency_import(const Context& ctx, const std::string& file) {
  std::ifstream in(file);
  if (!in) return fail(kExitRefused, file + ": cannot read");
  auto change = open_steer_change(ctx);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Transaction* txn = &*change->txn;
  store::SteerConfig* next = &change->steer;

  std::vector<Error> errors;
  std::vector<store::LatencyEntry> entries;
  std::map<std::pair<std::string, std::string>, int> first_line;
  std::string line;
  int number = 0;
  bool seen_data = false;
  while (std::getline(in, line)) {
    ++number;
    std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    auto where = file + ":" + std::to_string(number);
    auto fields = split_csv(text);
    if (!seen_data && fields.size() == 3 && fields[2] == "rtt_ms") {  // optional header line
      seen_data = true;
      continue;
    }
    seen_data = true;
    if (fields.size() != 3) {
      errors.emplace_back(
          where, "expected 3 fields (prefix,edge,rtt_ms), got " + std::to_string(fields.size()));
      continue;
    }
    auto prefix = store::canonical_prefix(fields[0]);
    if (!prefix) {
      errors.emplace_back(where, "bad prefix " + prefix.error().text());
      continue;
    }
    if (!next->edge(fields[1])) {
      errors.emplace_back(where, "unknown edge \"" + fields[1] + "\"");
      continue;
    }
    double rtt = -1;
    const std::string& f = fields[2];
    auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), rtt);
    if (f.empty() || ec != std::errc() || end != f.data() + f.size() || !std::isfinite(rtt) ||
        rtt < 0 || rtt > kMaxRttMs) {
      errors.emplace_back(where, "bad rtt_ms \"" + f + "\" (a number of milliseconds, 0.." +
                                     store::format_number(kMaxRttMs) + ")");
      continue;
    }
    auto [it, added] = first_line.emplace(std::pair{*prefix, fields[1]}, number);
    if (!added) {
      errors.emplace_back(where, *prefix + " to " + fields[1] + " is given already on line " +
                                     std::to_string(it->second));
      continue;
    }
    entries.push_back({*prefix, fields[1], rtt});
  }
  if (in.bad()) return fail(kExitRefused, file + ": read error");
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << e.text() << '\n';
    return fail(kExitRefused, "nothing imported: " + std::to_string(errors.size()) +
                                  (errors.size() == 1 ? " error" : " errors") + " in " + file);
  }
  size_t before = next->latency.size();
  next->latency = entries;
  if (!steer_valid(*next)) return kExitRefused;
  if (auto st = txn->replace_latency(entries); !st) return fail(kExitRefused, st.error().text());
  std::set<std::string> prefixes;
  for (const auto& e : entries) prefixes.insert(e.prefix);
  return commit_change(ctx, *txn,
                       "replaced the latency map from " + file + " (" +
                           std::to_string(entries.size()) + " entries for " +
                           std::to_string(prefixes.size()) + " prefixes; was " +
                           std::to_string(before) + " entries)");
}

int latency_list(const Context& ctx, const std::string& edge, bool json) {
  auto config = read_steer(ctx);
  if (!config) return fail(kExitRefused, config.error().text());
  if (!edge.empty() && !config->edge(edge)) return fail(kExitRefused, "no edge " + edge);
  Json out = Json::array();
  Table table({"PREFIX", "EDGE", "RTT_MS"});
  for (const auto& l : config->latency) {
    if (!edge.empty() && l.edge != edge) continue;
    out.push_back({{"prefix", l.prefix}, {"edge", l.edge}, {"rtt_ms", l.rtt_ms}});
    table.add({l.prefix, l.edge, store::format_number(l.rtt_ms)});
  }
  if (json) {
    print_json(Json{{"version", config->version}, {"latency", out}});
  } else {
    table.print();
  }
  return kExitOk;
}

}  // namespace

void add_latency_commands(CLI::App& app, Context& ctx) {
  auto* latency =
      add_group(app, "latency", "Import or list the measured client-to-edge latency map",
                {"cdnctl latency import rtt.csv", "cdnctl latency list --edge fra1 --json"});
  {
    auto file = std::make_shared<std::string>();
    auto* cmd = latency->add_subcommand(
        "import",
        "Replace the latency map with a CSV file of lines PREFIX,EDGE,RTT_MS; on any error "
        "print every FILE:LINE: reason and import nothing");
    cmd->add_option("FILE", *file, "CSV file")->required();
    cmd->footer(
        "Lines: client prefix, edge, round-trip time in milliseconds. Blank lines, lines "
        "starting with # and a first line prefix,edge,rtt_ms are skipped.\n"
        "Example file:\n"
        "  prefix,edge,rtt_ms\n"
        "  192.0.2.0/24,fra1,12.5\n"
        "  2001:db8::/32,ams1,30\n"
        "Example: cdnctl latency import rtt.csv");
    cmd->callback([&ctx, file] { ctx.run = [&ctx, file] { return latency_import(ctx, *file); }; });
  }
  {
    auto edge = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = latency->add_subcommand("list", "List the latency map");
    cmd->add_option("--edge", *edge, "Only this edge's entries");
    cmd->add_flag("--json", *json, "Print JSON instead of a table");
    cmd->footer("Example: cdnctl latency list --edge fra1");
    cmd->callback([&ctx, edge, json] {
      ctx.run = [&ctx, edge, json] { return latency_list(ctx, *edge, *json); };
    });
  }
}

}  // namespace cdn::cli
