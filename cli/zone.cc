// cli/zone.cc: cdnctl zone import|list|show|export|delete.
#include <CLI/CLI.hpp>
#include <cctype>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "dns/zone/loader.h"
#include "dns/zone/stored_record.h"

namespace cdn::cli {

Result<std::string> canonical_zone_name(const std::string& text) {
  auto wire = dns::name_from_text(text);
  if (!wire) return Error(text, wire.error().what);
  std::string name = dns::name_to_text(*wire);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

store::RecordRow record_row(const dns::RecordData& record) {
  std::string text = dns::record_to_text(record);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  std::string fields[4];
  size_t pos = 0;
  for (auto& field : fields) {
    pos = text.find_first_not_of(" \t", pos);
    if (pos == std::string::npos) break;
    size_t end = text.find_first_of(" \t", pos);
    field = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end;
  }
  std::string rdata;
  if (pos != std::string::npos) {
    pos = text.find_first_not_of(" \t", pos);
    if (pos != std::string::npos) rdata = text.substr(pos);
  }
  store::RecordRow row;
  row.owner = fields[0];
  row.ttl = record.ttl;
  row.rclass = fields[2];
  row.type = fields[3];
  row.rdata = rdata;
  row.wire = dns::encode_stored_record(record);
  return row;
}

std::string zone_text(const store::ZoneRow& zone) {
  std::string text;
  for (const auto& r : zone.records) {
    text += r.text();
    text += '\n';
  }
  return text;
}

namespace {

Json record_json(const store::RecordRow& r) {
  return Json{{"owner", r.owner},
              {"ttl", r.ttl},
              {"class", r.rclass},
              {"type", r.type},
              {"rdata", r.rdata}};
}

// The version to read: --version when given (and valid), else the current one.
Result<int64_t> read_version(store::Db& db, int64_t requested) {
  auto current = db.config_version();
  if (!current) return current.error();
  if (requested < 0) return *current;
  if (requested > *current) {
    return Error("--version", "no version " + std::to_string(requested) + " (current is " +
                                  std::to_string(*current) + ")");
  }
  return requested;
}

struct ImportArgs {
  std::string name;
  std::string file;
  bool replace = false;
};

int zone_import(const Context& ctx, const ImportArgs& args) {
  auto name = canonical_zone_name(args.name);
  if (!name) return fail(kExitRefused, "bad zone name " + name.error().text());
  auto load = dns::load_zone_file(args.file, *name);
  if (!load.ok()) {
    for (const auto& e : load.errors) std::cerr << e.text() << '\n';
    return fail(kExitRefused, "nothing imported: " + std::to_string(load.errors.size()) +
                                  (load.errors.size() == 1 ? " error" : " errors") + " in " +
                                  args.file);
  }
  store::ZoneRow zone{*name, {}};
  for (const auto& r : load.zone.records) zone.records.push_back(record_row(r));

  auto change = open_zone_change(ctx, *name);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Db* db = change->db.get();
  store::Transaction* txn = &*change->txn;
  const bool exists = change->zone_exists;
  if (exists && !args.replace) {
    return fail(kExitRefused, "zone " + *name + " exists; add --replace to replace its records");
  }
  if (auto st = txn->put_zone(zone); !st) return fail(kExitRefused, st.error().text());
  if (int rc = check_steering_kept(*db, txn->version()); rc != kExitOk) return rc;
  std::string summary = std::string(exists ? "replaced" : "imported") + " zone " + *name + " (" +
                        std::to_string(zone.records.size()) + " records from " + args.file + ")";
  return commit_change(ctx, *txn, summary);
}

int zone_list(const Context& ctx, bool json) {
  auto view = open_current(ctx);
  if (!view) return fail(kExitRefused, view.error().text());
  auto zones = view->db.zone_summaries(view->version);
  if (!zones) return fail(kExitRefused, zones.error().text());
  if (json) {
    Json out = Json::array();
    for (const auto& z : *zones) out.push_back({{"name", z.name}, {"records", z.records}});
    print_json(Json{{"version", view->version}, {"zones", out}});
    return kExitOk;
  }
  Table table({"ZONE", "RECORDS"});
  for (const auto& z : *zones) table.add({z.name, std::to_string(z.records)});
  table.print();
  return kExitOk;
}

struct ShowArgs {
  std::string name;
  int64_t version = -1;
  bool json = false;
  std::string output;  // export: file to write, "" = stdout
};

Result<store::ZoneRow> read_zone(const Context& ctx, const ShowArgs& args, int64_t& version) {
  auto name = canonical_zone_name(args.name);
  if (!name) return Error("bad zone name " + name.error().text());
  auto db = open_db(ctx, false);
  if (!db) return db.error();
  auto v = read_version(*db, args.version);
  if (!v) return v.error();
  version = *v;
  auto zone = db->zone(*name, *v);
  if (!zone) return zone.error();
  if (!*zone) return Error("no zone " + *name + " in v" + std::to_string(*v));
  return std::move(**zone);
}

int zone_show(const Context& ctx, const ShowArgs& args) {
  int64_t version = 0;
  auto zone = read_zone(ctx, args, version);
  if (!zone) return fail(kExitRefused, zone.error().text());
  if (args.json) {
    Json records = Json::array();
    for (const auto& r : zone->records) records.push_back(record_json(r));
    print_json(Json{{"name", zone->name}, {"version", version}, {"records", records}});
    return kExitOk;
  }
  Table table({"OWNER", "TTL", "CLASS", "TYPE", "RDATA"});
  for (const auto& r : zone->records) {
    table.add({r.owner, std::to_string(r.ttl), r.rclass, r.type, r.rdata});
  }
  table.print();
  return kExitOk;
}

int zone_export(const Context& ctx, const ShowArgs& args) {
  int64_t version = 0;
  auto zone = read_zone(ctx, args, version);
  if (!zone) return fail(kExitRefused, zone.error().text());
  std::string text = "; zone " + zone->name + " from config v" + std::to_string(version) + "\n" +
                     "$ORIGIN " + zone->name + "\n" + zone_text(*zone);
  if (args.json) {
    print_json(Json{{"name", zone->name}, {"version", version}, {"text", text}});
    return kExitOk;
  }
  if (args.output.empty() || args.output == "-") {
    std::cout << text;
    return kExitOk;
  }
  std::ofstream out(args.output, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail(kExitRefused, args.output + ": cannot write");
  return kExitOk;
}

int zone_delete(const Context& ctx, const std::string& text) {
  auto name = canonical_zone_name(text);
  if (!name) return fail(kExitRefused, "bad zone name " + name.error().text());
  auto change = open_zone_change(ctx, *name);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Db* db = change->db.get();
  store::Transaction* txn = &*change->txn;
  if (!change->zone_exists) return fail(kExitRefused, "no zone " + *name);
  if (auto st = txn->delete_zone(*name); !st) return fail(kExitRefused, st.error().text());
  if (int rc = check_steering_kept(*db, txn->version()); rc != kExitOk) return rc;
  std::string summary = "deleted zone " + *name;
  return commit_change(ctx, *txn, summary);
}

}  // namespace

void add_zone_commands(CLI::App& app, Context& ctx) {
  auto* zone = add_group(
      app, "zone", "Import, list, show, export and delete zones",
      {"cdnctl zone import example.com example.com.zone", "cdnctl zone list --json",
       "cdnctl zone show example.com", "cdnctl zone export example.com -o example.com.zone",
       "cdnctl zone delete example.com"});

  {
    auto args = std::make_shared<ImportArgs>();
    auto* cmd =
        add_command(zone, ctx, "import",
                    "Import an RFC 1035 zone file; on any error print every FILE:LINE: reason "
                    "and import nothing",
                    [args](const Context& c) { return zone_import(c, *args); });
    cmd->add_option("NAME", args->name, "Zone name (origin), e.g. example.com")->required();
    cmd->add_option("FILE", args->file, "Zone file in master file format")->required();
    cmd->add_flag("--replace", args->replace, "Replace the records of an existing zone");
    cmd->footer("Example: cdnctl zone import example.com /etc/cdn/zones/example.com.zone");
  }
  add_list_command(zone, ctx, "List zones with their record counts", "cdnctl zone list --json",
                   zone_list);
  {
    auto args = std::make_shared<ShowArgs>();
    auto* cmd = add_command(zone, ctx, "show", "Show a zone's records in source order",
                            [args](const Context& c) { return zone_show(c, *args); });
    cmd->add_option("NAME", args->name, "Zone name")->required();
    cmd->add_option("--version", args->version, "Show the zone as it was in this config version");
    cmd->add_flag("--json", args->json, "Print JSON instead of a table");
    cmd->footer("Example: cdnctl zone show example.com --version 3");
  }
  {
    auto args = std::make_shared<ShowArgs>();
    auto* cmd = add_command(zone, ctx, "export", "Write a zone as an RFC 1035 master file",
                            [args](const Context& c) { return zone_export(c, *args); });
    cmd->add_option("NAME", args->name, "Zone name")->required();
    cmd->add_option("-o,--output", args->output, "File to write (default: standard output)");
    cmd->add_option("--version", args->version, "Export the zone as it was in this config version");
    cmd->add_flag("--json", args->json, "Print JSON {name, version, text}");
    cmd->footer("Example: cdnctl zone export example.com -o example.com.zone");
  }
  add_delete_command(zone, ctx, "Delete a zone and all its records", "Zone name",
                     "cdnctl zone delete example.com && cdnctl apply", zone_delete);
}

}  // namespace cdn::cli
