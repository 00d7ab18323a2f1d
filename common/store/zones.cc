// common/store/zones.cc: the zones and their records (reads, writes, the versions that changed
// each zone).
#include "common/store/db.h"
#include "common/store/sqlite.h"

namespace cdn::store {

using namespace sql;

std::string RecordRow::text() const {
  return owner + "\t" + std::to_string(ttl) + "\t" + rclass + "\t" + type + "\t" + rdata;
}

Result<std::vector<ZoneSummary>> Db::zone_summaries(int64_t version) {
  ReadScope scope(handle_.get());  // the names and the counts from one version
  auto heads = zone_heads(version);
  if (!heads) return heads.error();
  std::vector<ZoneSummary> out;
  Statement c(handle_.get(),
              std::string("SELECT COUNT(*) FROM records WHERE zone = ?2 AND ") + kAtVersion);
  for (const auto& head : *heads) {
    c.reset();
    c.bind(1, version).bind(2, head.name);
    if (!c.step()) return fail("cannot count records");
    out.push_back({head.name, c.i64(0)});
  }
  return out;
}

Result<std::optional<ZoneRow>> Db::zone(const std::string& name, int64_t version) {
  ReadScope scope(handle_.get());
  Statement z(handle_.get(),
              std::string("SELECT name FROM zones WHERE name = ?2 AND ") + kAtVersion);
  z.bind(1, version).bind(2, lower(name));
  if (!z.step()) {
    if (!z.ok()) return fail("cannot read zone");
    return std::optional<ZoneRow>();
  }
  ZoneRow zone{z.text(0), {}};
  Statement s(
      handle_.get(),
      std::string("SELECT owner, ttl, class, type, rdata, wire FROM records WHERE zone = ?2 AND ") +
          kAtVersion + " ORDER BY seq, rowid");
  s.bind(1, version).bind(2, zone.name);
  while (s.step()) {
    zone.records.push_back({s.text(0), static_cast<uint32_t>(s.i64(1)), s.text(2), s.text(3),
                            s.text(4), std::string(s.view(5))});
  }
  if (!s.ok()) return fail("cannot read records");
  return std::optional<ZoneRow>(std::move(zone));
}

Result<std::vector<ZoneHead>> Db::zone_heads(int64_t version) {
  ReadScope scope(handle_.get());
  std::vector<ZoneHead> out;
  Statement s(handle_.get(),
              std::string("SELECT name FROM zones WHERE ") + kAtVersion + " ORDER BY name");
  s.bind(1, version);
  while (s.step()) out.push_back({s.text(0), 0});
  if (!s.ok()) return fail("cannot read zones");
  Statement c(handle_.get(),
              "SELECT MAX(version) FROM zone_changes WHERE zone = ?2 AND version <= ?1");
  for (auto& z : out) {
    c.reset();
    c.bind(1, version).bind(2, z.name);
    if (!c.step()) return fail("cannot read the changes of zone " + z.name);
    z.changed = c.i64(0);
  }
  return out;
}

Status Db::for_each_record(const std::string& zone, int64_t version,
                           const std::function<void(const RecordView&)>& visit) {
  // The live rows (what a daemon loads) come in seq order straight from records_by_zone
  // (zone, until, seq): no sort of a million rows. Older versions are rare (diff, export -v).
  auto current = config_version();
  const bool live = current && version >= *current;
  Statement s(handle_.get(),
              std::string("SELECT owner, ttl, class, type, rdata, wire FROM records ") +
                  (live ? "INDEXED BY records_by_zone WHERE zone = ?2 AND until IS NULL AND "
                          "since <= ?1"
                        : std::string("WHERE zone = ?2 AND ") + kAtVersion) +
                  " ORDER BY seq, rowid");
  s.bind(1, version).bind(2, lower(zone));
  while (s.step()) {
    visit(RecordView{s.view(0), s.view(2), s.view(3), s.view(4), static_cast<uint32_t>(s.i64(1)),
                     s.view(5)});
  }
  if (!s.ok()) return fail("cannot read the records of zone " + zone);
  return Ok{};
}

Result<std::vector<RecordRow>> Db::records_at(const std::string& zone, const std::string& owner,
                                              int64_t version) {
  // The live rows come from the owner index; older versions are rare (diff, explain).
  auto current = config_version();
  const bool live = current && version >= *current;
  // Without statistics sqlite would rather walk every live row of the zone.
  std::string sql = std::string("SELECT owner, ttl, class, type, rdata, wire FROM records ") +
                    (live && schema_ >= 5 ? "INDEXED BY records_by_owner " : "") +
                    "WHERE zone = ?2 AND lower(owner) = ?3 AND ";
  sql += live ? std::string("until IS NULL AND since <= ?1") : std::string(kAtVersion);
  Statement s(handle_.get(), sql + " ORDER BY seq, rowid");
  s.bind(1, version).bind(2, lower(zone)).bind(3, lower(owner));
  std::vector<RecordRow> out;
  while (s.step()) {
    out.push_back({s.text(0), static_cast<uint32_t>(s.i64(1)), s.text(2), s.text(3), s.text(4),
                   std::string(s.view(5))});
  }
  if (!s.ok()) return fail("cannot read the records of " + owner);
  return out;
}

Result<std::optional<std::vector<std::string>>> Db::changed_owners(const std::string& zone,
                                                                   int64_t from, int64_t to,
                                                                   size_t limit) {
  Statement s(handle_.get(),
              std::string("SELECT lower(owner) FROM records ") +
                  (schema_ >= 6 ? "INDEXED BY records_by_since " : "") +
                  "WHERE zone = ?1 AND since > ?2 AND since <= ?3 UNION SELECT lower(owner) "
                  "FROM records INDEXED BY records_by_zone WHERE zone = ?1 AND until > ?2 AND "
                  "until <= ?3 LIMIT ?4");
  s.bind(1, lower(zone)).bind(2, from).bind(3, to).bind(4, int64_t(limit) + 1);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  if (!s.ok()) return fail("cannot read the changes of zone " + zone);
  if (out.size() > limit) return std::optional<std::vector<std::string>>();
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<bool> Transaction::zone_exists(const std::string& name) {
  Statement s(db_->handle_.get(), "SELECT 1 FROM zones WHERE name = ?1 AND until IS NULL");
  s.bind(1, lower(name));
  bool found = s.step();
  if (!s.ok()) return db_->fail("cannot read zones");
  return found;
}

Status Transaction::put_zone(const ZoneRow& zone) {
  sqlite3* h = db_->handle_.get();
  std::string name = lower(zone.name);
  auto exists = zone_exists(name);
  if (!exists) return exists.error();
  if (*exists) {
    Statement end(h, "UPDATE records SET until = ?1 WHERE zone = ?2 AND until IS NULL");
    if (!end.bind(1, version_).bind(2, name).run()) return db_->fail("cannot replace records");
  } else {
    Statement add(h, "INSERT INTO zones(name, since) VALUES(?1, ?2)");
    if (!add.bind(1, name).bind(2, version_).run()) return db_->fail("cannot add zone");
  }
  const bool wire = db_->schema_ >= 5;
  Statement ins(h, wire ? "INSERT INTO records(zone, seq, owner, ttl, class, type, rdata, wire, "
                          "since) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                        : "INSERT INTO records(zone, seq, owner, ttl, class, type, rdata, since) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9)");
  int64_t seq = 0;
  for (const auto& r : zone.records) {
    ins.reset();
    ins.bind(1, name).bind(2, ++seq).bind(3, r.owner).bind(4, int64_t{r.ttl});
    ins.bind(5, r.rclass).bind(6, r.type).bind(7, r.rdata).bind_blob(8, r.wire).bind(9, version_);
    if (!ins.run()) return db_->fail("cannot add record " + r.text());
  }
  return zone_changed(name);
}

Status Transaction::zone_changed(const std::string& zone) {
  if (db_->schema_ < 5) return Ok{};
  Statement s(db_->handle_.get(),
              "INSERT OR IGNORE INTO zone_changes(zone, version) VALUES(?1, ?2)");
  if (!s.bind(1, lower(zone)).bind(2, version_).run())
    return db_->fail("cannot note a zone change");
  return Ok{};
}

Status Transaction::delete_zone(const std::string& name) {
  sqlite3* h = db_->handle_.get();
  std::string n = lower(name);
  Statement z(h, "UPDATE zones SET until = ?1 WHERE name = ?2 AND until IS NULL");
  if (!z.bind(1, version_).bind(2, n).run()) return db_->fail("cannot delete zone");
  if (sqlite3_changes(h) == 0) return Error(db_->path_, "no zone " + n);
  Statement r(h, "UPDATE records SET until = ?1 WHERE zone = ?2 AND until IS NULL");
  if (!r.bind(1, version_).bind(2, n).run()) return db_->fail("cannot delete records");
  return zone_changed(n);
}

Status Transaction::add_record(const std::string& zone, const RecordRow& record) {
  sqlite3* h = db_->handle_.get();
  std::string n = lower(zone);
  auto exists = zone_exists(n);
  if (!exists) return exists.error();
  if (!*exists) return Error(db_->path_, "no zone " + n);
  // seq orders records within a zone. Every seq is at most the largest rowid (put_zone numbers
  // from 1, an added record takes the next rowid), and rows are never deleted, so the next
  // rowid is above every seq of every zone, and finding it needs no scan.
  Statement s(h, std::string("INSERT INTO records(zone, seq, owner, ttl, class, type, rdata, ") +
                     (db_->schema_ >= 5 ? "wire, " : "") +
                     "since) VALUES(?1, (SELECT COALESCE(MAX(rowid), 0) + 1 FROM records), ?2, "
                     "?3, ?4, ?5, ?6, " +
                     (db_->schema_ >= 5 ? "?7, " : "") + "?8)");
  s.bind(1, n).bind(2, record.owner).bind(3, int64_t{record.ttl}).bind(4, record.rclass);
  s.bind(5, record.type).bind(6, record.rdata).bind_blob(7, record.wire).bind(8, version_);
  if (!s.run()) return db_->fail("cannot add record");
  return zone_changed(n);
}

Result<int64_t> Transaction::delete_record(const std::string& zone, const RecordRow& record) {
  sqlite3* h = db_->handle_.get();
  // The TTL is not part of a record's identity (RFC 2181 5.2: one TTL per RRset).
  Statement s(h, std::string("UPDATE records ") +
                     (db_->schema_ >= 5 ? "INDEXED BY records_by_owner " : "") +
                     "SET until = ?1 WHERE zone = ?2 AND until IS NULL AND lower(owner) = ?3 AND "
                     "upper(class) = upper(?4) AND upper(type) = upper(?5) AND rdata = ?6");
  s.bind(1, version_).bind(2, lower(zone)).bind(3, lower(record.owner)).bind(4, record.rclass);
  s.bind(5, record.type).bind(6, record.rdata);
  if (!s.run()) return db_->fail("cannot delete record");
  int64_t deleted = sqlite3_changes(h);
  if (deleted > 0) {
    if (auto st = zone_changed(zone); !st) return st.error();
  }
  return deleted;
}

}  // namespace cdn::store
