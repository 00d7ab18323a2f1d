// cli/record.cc: cdnctl record add|delete. A change is accepted only if the zone it leaves
// behind passes the same validation as a zone file import (dns/zone/validate.h), checked on the
// records the change can affect (see neighbourhood()), so its cost does not grow with the zone.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "dns/zone/loader.h"
#include "dns/zone/stored_record.h"
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

// A stored record as the parser would have produced it.
Result<dns::RecordData> stored_record(const store::RecordRow& row, const std::string& zone) {
  dns::RecordData record;
  if (!row.wire.empty() && dns::decode_stored_record(row.wire, row.ttl, record)) return record;
  return dns::parse_record(row.text(), zone, row.ttl);  // a row from before schema 5
}

// The part of `zone` at `version` that a change of the records at `owner` can break: the apex,
// the owner's ancestors inside the zone (a DNAME above it) and the owner. Every zone rule
// (dns/zone/validate.h) looks at one owner or at these, except "no records below a DNAME",
// which a new DNAME checks against the whole zone. So a one-record change validates a handful
// of records, whatever the size of the zone.
Result<dns::ZoneData> neighbourhood(store::Db& db, const std::string& zone,
                                    const std::string& owner, int64_t version) {
  dns::ZoneData out;
  auto origin = dns::name_from_text(zone);
  if (!origin) return origin.error();
  out.origin = *origin;
  out.source = "db:" + zone;
  std::string name = lower(owner);
  for (;;) {
    auto rows = db.records_at(zone, name, version);
    if (!rows) return rows.error();
    for (const auto& row : *rows) {
      auto record = stored_record(row, zone);
      if (!record) return Error("stored zone " + zone, record.error().what);
      record->line = 0;
      out.records.push_back(std::move(*record));
    }
    if (name == zone || name.size() <= zone.size()) break;
    size_t dot = name.find('.');
    // Escaped dots inside a label never split it: such names go through the whole zone.
    if (dot == std::string::npos || name.find('\\') != std::string::npos) break;
    name = name.substr(dot + 1);
  }
  if (lower(owner) != zone && name != zone) {
    auto apex = db.records_at(zone, zone, version);
    if (!apex) return apex.error();
    for (const auto& row : *apex) {
      auto record = stored_record(row, zone);
      if (!record) return Error("stored zone " + zone, record.error().what);
      out.records.push_back(std::move(*record));
    }
  }
  return out;
}

// The whole zone at `version`, for the rare change that needs it (a new DNAME).
Result<dns::ZoneData> whole_zone(store::Db& db, const std::string& zone, int64_t version) {
  auto current = db.zone(zone, version);
  if (!current) return current.error();
  if (!*current) return Error("no zone " + zone);
  auto load = dns::parse_zone_text(zone_text(**current), zone, "db:" + zone);
  if (!load.ok()) return Error("stored zone " + zone, load.errors.front().text());
  return std::move(load.zone);
}

int record_add(const Context& ctx, const RecordArgs& args) {
  auto zone_name = canonical_zone_name(args.zone);
  if (!zone_name) return fail(kExitRefused, "bad zone name " + zone_name.error().text());
  std::string text = join(args.record);
  auto record = dns::parse_record(text, *zone_name, args.ttl);
  if (!record) return fail(kExitRefused, "refused: " + text + ": " + record.error().what);
  store::RecordRow row = record_row(*record);

  auto change = open_zone_change(ctx, *zone_name);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Db* db = change->db.get();
  store::Transaction* txn = &*change->txn;
  if (!change->zone_exists) {
    return fail(kExitRefused, "no zone " + *zone_name + "; import it first (cdnctl zone import)");
  }
  const int64_t current = txn->version() - 1;
  auto same_owner = db->records_at(*zone_name, row.owner, current);
  if (!same_owner) return fail(kExitRefused, same_owner.error().text());
  for (const auto& r : *same_owner) {
    if (same_record(r, row))
      return fail(kExitRefused, "refused: " + display(row) + " exists already");
  }
  // The zone as it would be served with the new record: the part the record can affect.
  auto zone = record->type == 39 /* DNAME */ ? whole_zone(*db, *zone_name, current)
                                             : neighbourhood(*db, *zone_name, row.owner, current);
  if (!zone) return fail(kExitRefused, zone.error().text());
  record->line = 0;
  zone->records.push_back(*record);
  if (auto errors = dns::validate_zone(*zone); !errors.empty()) {
    return refuse(display(row), errors);
  }

  if (auto st = txn->add_record(*zone_name, row); !st) return fail(kExitRefused, st.error().text());
  if (int rc = check_steering_kept(*db, txn->version()); rc != kExitOk) return rc;
  return commit_change(ctx, *txn, "added " + display(row) + " to " + *zone_name);
}

int record_delete(const Context& ctx, const RecordArgs& args) {
  auto zone_name = canonical_zone_name(args.zone);
  if (!zone_name) return fail(kExitRefused, "bad zone name " + zone_name.error().text());
  std::string text = join(args.record);

  auto change = open_zone_change(ctx, *zone_name);
  if (!change) return fail(kExitRefused, change.error().text());
  store::Db* db = change->db.get();
  store::Transaction* txn = &*change->txn;
  if (!change->zone_exists) return fail(kExitRefused, "no zone " + *zone_name);
  const int64_t current = txn->version() - 1;

  // Which stored records go: OWNER TYPE names a whole RRset, anything longer one record.
  std::vector<store::RecordRow> doomed;
  std::string owner;
  if (args.record.size() == 2) {
    owner = args.record[0];
    if (owner == "@") {
      owner = *zone_name;
    } else if (owner.back() != '.') {
      owner += "." + *zone_name;
    }
    auto rows = db->records_at(*zone_name, owner, current);
    if (!rows) return fail(kExitRefused, rows.error().text());
    for (const auto& r : *rows) {
      if (upper(r.type) == upper(args.record[1])) doomed.push_back(r);
    }
  } else {
    auto record = dns::parse_record(text, *zone_name, 0);
    if (!record) return fail(kExitRefused, "refused: " + text + ": " + record.error().what);
    store::RecordRow row = record_row(*record);
    owner = row.owner;
    auto rows = db->records_at(*zone_name, owner, current);
    if (!rows) return fail(kExitRefused, rows.error().text());
    for (const auto& r : *rows) {
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

  // What is left around the owner must still be servable (SOA and NS at the apex, ...).
  auto after = neighbourhood(*db, *zone_name, owner, txn->version());
  if (!after) return fail(kExitRefused, after.error().text());
  if (auto errors = dns::validate_zone(*after); !errors.empty()) {
    return refuse("deleting " + text, errors);
  }
  std::string summary = "deleted " + std::to_string(doomed.size()) +
                        (doomed.size() == 1 ? " record" : " records") + " from " + *zone_name +
                        ": " + display(doomed.front()) + (doomed.size() > 1 ? " ..." : "");
  return commit_change(ctx, *txn, summary);
}

}  // namespace

void add_record_commands(CLI::App& app, Context& ctx) {
  auto* group = add_group(app, "record", "Add or delete single records (validated)",
                          {"cdnctl record add example.com www 300 IN A 192.0.2.1",
                           "cdnctl record delete example.com www A 192.0.2.1"});
  {
    auto args = std::make_shared<RecordArgs>();
    auto* cmd = add_command(
        group, ctx, "add",
        "Add one record; refused when the zone would not validate (CNAME and other data, "
        "owner outside the zone, bad rdata, ...)",
        [args](const Context& c) { return record_add(c, *args); });
    cmd->add_option("ZONE", args->zone, "Zone to change, e.g. example.com")->required();
    cmd->add_option("RECORD", args->record,
                    "The record in presentation format; relative owners are completed with ZONE")
        ->required();
    cmd->add_option("--ttl", args->ttl, "TTL when RECORD has none")->capture_default_str();
    cmd->footer(
        "Examples:\n"
        "  cdnctl record add example.com www 300 IN A 192.0.2.1\n"
        "  cdnctl record add example.com 'cdn 300 IN CNAME www.example.com.'");
  }
  {
    auto args = std::make_shared<RecordArgs>();
    auto* cmd = add_command(group, ctx, "delete",
                            "Delete one record (OWNER [TTL] [CLASS] TYPE RDATA) or a whole RRset "
                            "(OWNER TYPE); refused when the zone would not validate",
                            [args](const Context& c) { return record_delete(c, *args); });
    cmd->add_option("ZONE", args->zone, "Zone to change")->required();
    cmd->add_option("RECORD", args->record, "The record, or OWNER TYPE for the whole RRset")
        ->required();
    cmd->footer(
        "Examples:\n"
        "  cdnctl record delete example.com www A 192.0.2.1\n"
        "  cdnctl record delete example.com www AAAA");
  }
}

}  // namespace cdn::cli
