// cli/record.cc: cdnctl record add|delete. A change is accepted only if the zone it leaves
// behind passes the same validation as a zone file import (dns/zone/validate.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "dns/zone/loader.h"
#include "dns/zone/validate.h"

namespace cdn::cli {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Identity of a record in its RRset: everything but the TTL (RFC 2181 5.2).
bool same_record(const store::RecordRow& a, const store::RecordRow& b) {
  return lower(a.owner) == lower(b.owner) && upper(a.rclass) == upper(b.rclass) &&
         upper(a.type) == upper(b.type) && a.rdata == b.rdata;
}

// One line for messages and the changelog: "www.example.com. 300 IN A 192.0.2.1".
std::string display(const store::RecordRow& r) {
  return r.owner + " " + std::to_string(r.ttl) + " " + r.rclass + " " + r.type + " " + r.rdata;
}

struct RecordArgs {
  std::string zone;
  std::vector<std::string> record;
  uint32_t ttl = 3600;
};

// Prints why the zone is refused; every line names the record change it comes from.
int refuse(const std::string& change, const std::vector<Error>& errors) {
  for (const auto& e : errors) std::cerr << "cdnctl: refused: " << change << ": " << e.what << '\n';
  return kExitRefused;
}

int record_add(const Context& ctx, const RecordArgs& args) {
  auto zone_name = canonical_zone_name(args.zone);
  if (!zone_name) return fail(kExitRefused, "bad zone name " + zone_name.error().text());
  std::string text = join(args.record);
  auto record = dns::parse_record(text, *zone_name, args.ttl);
  if (!record) return fail(kExitRefused, "refused: " + text + ": " + record.error().what);
  store::RecordRow row = record_row(*record);

  auto db = open_db(ctx, true);
  if (!db) return fail(kExitRefused, db.error().text());
  auto txn = begin_change(ctx, *db);
  if (!txn) return fail(kExitRefused, txn.error().text());
  auto current = db->zone(*zone_name, txn->version() - 1);
  if (!current) return fail(kExitRefused, current.error().text());
  if (!*current) {
    return fail(kExitRefused, "no zone " + *zone_name + "; import it first (cdnctl zone import)");
  }
  for (const auto& r : (*current)->records) {
    if (same_record(r, row))
      return fail(kExitRefused, "refused: " + display(row) + " exists already");
  }
  // The zone as it would be served with the new record.
  auto load = dns::parse_zone_text(zone_text(**current), *zone_name, "db:" + *zone_name);
  if (!load.ok()) return refuse("stored zone " + *zone_name, load.errors);
  record->line = 0;
  load.zone.records.push_back(*record);
  if (auto errors = dns::validate_zone(load.zone); !errors.empty()) {
    return refuse(display(row), errors);
  }

  if (auto st = txn->add_record(*zone_name, row); !st) return fail(kExitRefused, st.error().text());
  if (int rc = check_steering_kept(*db, txn->version()); rc != kExitOk) return rc;
  std::string summary = "added " + display(row) + " to " + *zone_name;
  auto version = txn->commit(summary);
  if (!version) return fail(kExitRefused, version.error().text());
  std::cout << "v" << *version << ": " << summary << '\n';
  return kExitOk;
}

int record_delete(const Context& ctx, const RecordArgs& args) {
  auto zone_name = canonical_zone_name(args.zone);
  if (!zone_name) return fail(kExitRefused, "bad zone name " + zone_name.error().text());
  std::string text = join(args.record);

  auto db = open_db(ctx, true);
  if (!db) return fail(kExitRefused, db.error().text());
  auto txn = begin_change(ctx, *db);
  if (!txn) return fail(kExitRefused, txn.error().text());
  auto current = db->zone(*zone_name, txn->version() - 1);
  if (!current) return fail(kExitRefused, current.error().text());
  if (!*current) return fail(kExitRefused, "no zone " + *zone_name);

  // Which stored records go: OWNER TYPE names a whole RRset, anything longer one record.
  std::vector<store::RecordRow> doomed;
  if (args.record.size() == 2) {
    std::string owner = args.record[0];
    if (owner == "@") {
      owner = *zone_name;
    } else if (owner.back() != '.') {
      owner += "." + *zone_name;
    }
    for (const auto& r : (*current)->records) {
      if (lower(r.owner) == lower(owner) && upper(r.type) == upper(args.record[1])) {
        doomed.push_back(r);
      }
    }
  } else {
    auto record = dns::parse_record(text, *zone_name, 0);
    if (!record) return fail(kExitRefused, "refused: " + text + ": " + record.error().what);
    store::RecordRow row = record_row(*record);
    for (const auto& r : (*current)->records) {
      if (same_record(r, row)) {
        doomed.push_back(r);
        break;
      }
    }
  }
  if (doomed.empty()) return fail(kExitRefused, "no such record in " + *zone_name + ": " + text);
  for (const auto& r : doomed) {
    if (auto n = txn->delete_record(*zone_name, r); !n) return fail(kExitRefused, n.error().text());
  }

  // The zone left behind must still be servable (SOA and NS at the apex, ...).
  auto after = db->zone(*zone_name, txn->version());
  if (!after) return fail(kExitRefused, after.error().text());
  auto load = dns::parse_zone_text(zone_text(**after), *zone_name, "db:" + *zone_name);
  if (!load.ok()) return refuse("deleting " + text, load.errors);

  std::string summary = "deleted " + std::to_string(doomed.size()) +
                        (doomed.size() == 1 ? " record" : " records") + " from " + *zone_name +
                        ": " + display(doomed.front()) + (doomed.size() > 1 ? " ..." : "");
  auto version = txn->commit(summary);
  if (!version) return fail(kExitRefused, version.error().text());
  std::cout << "v" << *version << ": " << summary << '\n';
  return kExitOk;
}

}  // namespace

void add_record_commands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("record", "Add or delete single records (validated)");
  group->require_subcommand(1);
  group->footer(
      "Examples:\n"
      "  cdnctl record add example.com www 300 IN A 192.0.2.1\n"
      "  cdnctl record delete example.com www A 192.0.2.1");
  {
    auto args = std::make_shared<RecordArgs>();
    auto* cmd = group->add_subcommand(
        "add",
        "Add one record; refused when the zone would not validate (CNAME and other data, "
        "owner outside the zone, bad rdata, ...)");
    cmd->add_option("ZONE", args->zone, "Zone to change, e.g. example.com")->required();
    cmd->add_option("RECORD", args->record,
                    "The record in presentation format; relative owners are completed with ZONE")
        ->required();
    cmd->add_option("--ttl", args->ttl, "TTL when RECORD has none")->capture_default_str();
    cmd->footer(
        "Examples:\n"
        "  cdnctl record add example.com www 300 IN A 192.0.2.1\n"
        "  cdnctl record add example.com 'cdn 300 IN CNAME www.example.com.'");
    cmd->callback([&ctx, args] { ctx.run = [&ctx, args] { return record_add(ctx, *args); }; });
  }
  {
    auto args = std::make_shared<RecordArgs>();
    auto* cmd =
        group->add_subcommand("delete",
                              "Delete one record (OWNER [TTL] [CLASS] TYPE RDATA) or a whole RRset "
                              "(OWNER TYPE); refused when the zone would not validate");
    cmd->add_option("ZONE", args->zone, "Zone to change")->required();
    cmd->add_option("RECORD", args->record, "The record, or OWNER TYPE for the whole RRset")
        ->required();
    cmd->footer(
        "Examples:\n"
        "  cdnctl record delete example.com www A 192.0.2.1\n"
        "  cdnctl record delete example.com www AAAA");
    cmd->callback([&ctx, args] { ctx.run = [&ctx, args] { return record_delete(ctx, *args); }; });
  }
}

}  // namespace cdn::cli
