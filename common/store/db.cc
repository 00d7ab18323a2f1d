#include "common/store/db.h"

#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <utility>

namespace cdn::store {
namespace {

// Migration i brings user_version i to i + 1. Append only; never edit a released step.
const char* const kMigrations[] = {
    // 0 -> 1: changelog, zones, records.
    R"sql(
CREATE TABLE changelog(
  version INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  user TEXT NOT NULL,
  command TEXT NOT NULL,
  summary TEXT NOT NULL);
CREATE TABLE zones(
  name TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX zones_by_name ON zones(name, until);
CREATE TABLE records(
  zone TEXT NOT NULL,
  seq INTEGER NOT NULL,
  owner TEXT NOT NULL,
  ttl INTEGER NOT NULL,
  class TEXT NOT NULL,
  type TEXT NOT NULL,
  rdata TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX records_by_zone ON records(zone, until, seq);
)sql",
    // 1 -> 2: settings (dns.listen, dns.nsid, dns.metrics, ...).
    R"sql(
CREATE TABLE settings(
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX settings_by_key ON settings(key, until);
)sql",
    // 2 -> 3: steering: edges, pools (and their edges in order), steered names, operator
    // overrides of edge state, the latency map. pools.fallback '' = answer all edges when all
    // are down; edges.ipv4/ipv6 '' = none; edge_overrides.load NULL = keep the pushed load.
    R"sql(
CREATE TABLE edges(
  name TEXT NOT NULL,
  site TEXT NOT NULL,
  latitude REAL NOT NULL,
  longitude REAL NOT NULL,
  ipv4 TEXT NOT NULL,
  ipv6 TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  weight INTEGER NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX edges_by_name ON edges(name, until);
CREATE TABLE pools(
  name TEXT NOT NULL,
  answers INTEGER NOT NULL,
  ttl INTEGER NOT NULL,
  fallback TEXT NOT NULL,
  low REAL NOT NULL,
  high REAL NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX pools_by_name ON pools(name, until);
CREATE TABLE pool_edges(
  pool TEXT NOT NULL,
  seq INTEGER NOT NULL,
  edge TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX pool_edges_by_pool ON pool_edges(pool, until, seq);
CREATE TABLE steered_names(
  name TEXT NOT NULL,
  pool TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX steered_names_by_name ON steered_names(name, until);
CREATE TABLE edge_overrides(
  edge TEXT NOT NULL,
  state TEXT NOT NULL,
  load REAL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX edge_overrides_by_edge ON edge_overrides(edge, until);
CREATE TABLE latency(
  prefix TEXT NOT NULL,
  edge TEXT NOT NULL,
  rtt_ms REAL NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX latency_by_until ON latency(until, prefix, edge);
)sql",
    // 3 -> 4: cdn-healthd's objects (checks, services, anycast prefixes, BGP neighbors, drains),
    // each one JSON document keyed by kind and name (common/store/health_config.h).
    R"sql(
CREATE TABLE health_objects(
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER);
CREATE INDEX health_objects_by_key ON health_objects(kind, name, until);
)sql",
    // 4 -> 5: records in wire form beside their text (filled by `cdnctl init` for older rows;
    // a daemon parses the text of a row without it), the versions that changed each zone, and
    // the indexes a one-record change needs (next seq, records of one owner).
    R"sql(
ALTER TABLE records ADD COLUMN wire BLOB;
CREATE TABLE zone_changes(
  zone TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY(zone, version)) WITHOUT ROWID;
INSERT OR IGNORE INTO zone_changes(zone, version)
  SELECT name, since FROM zones UNION SELECT name, until FROM zones WHERE until IS NOT NULL
  UNION SELECT zone, since FROM records UNION SELECT zone, until FROM records
  WHERE until IS NOT NULL;
CREATE INDEX records_by_seq ON records(zone, seq);
CREATE INDEX records_by_owner ON records(zone, lower(owner)) WHERE until IS NULL;
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

// Rows of version ?1 (bound as parameter 1 by every query using it).
constexpr const char* kAtVersion = "since <= ?1 AND (until IS NULL OR until > ?1)";

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK || rc_ == SQLITE_ROW || rc_ == SQLITE_DONE; }
  std::string error() const { return sqlite3_errmsg(db_); }

  Statement& bind(int i, int64_t v) {
    if (ok()) rc_ = sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    if (ok()) rc_ = sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, const std::optional<double>& v) {
    if (!v) {
      if (ok()) rc_ = sqlite3_bind_null(stmt_, i);
      return *this;
    }
    return bind(i, *v);
  }
  Statement& bind(int i, const std::string& v) {
    if (ok())
      rc_ = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_blob(int i, const std::string& v) {
    if (!ok()) return *this;
    rc_ = v.empty()
              ? sqlite3_bind_null(stmt_, i)
              : sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // True while there is a row; check ok() after the loop.
  bool step() {
    if (!ok()) return false;
    rc_ = sqlite3_step(stmt_);
    return rc_ == SQLITE_ROW;
  }
  // Ready for the next row: same statement, new bindings.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    if (rc_ == SQLITE_ROW || rc_ == SQLITE_DONE) rc_ = SQLITE_OK;
  }
  bool run() {
    step();
    return rc_ == SQLITE_DONE || rc_ == SQLITE_ROW;
  }
  int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double f64(int col) const { return sqlite3_column_double(stmt_, col); }
  bool null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // Valid until the next step(): text or blob bytes without a copy.
  std::string_view view(int col) const {
    const void* p = sqlite3_column_type(stmt_, col) == SQLITE_BLOB
                        ? sqlite3_column_blob(stmt_, col)
                        : sqlite3_column_text(stmt_, col);
    return p ? std::string_view(static_cast<const char*>(p),
                                static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col))
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A read transaction for the reads that take several statements, unless one is already open.
class ReadScope {
 public:
  explicit ReadScope(sqlite3* db) : db_(db), own_(sqlite3_get_autocommit(db) != 0) {
    if (own_) sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  }
  ~ReadScope() {
    if (own_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadScope(const ReadScope&) = delete;
  ReadScope& operator=(const ReadScope&) = delete;

 private:
  sqlite3* db_;
  bool own_;
};

bool table_exists(sqlite3* db, const char* name) {
  Statement s(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  s.bind(1, std::string(name));
  return s.step();
}

}  // namespace

std::string RecordRow::text() const {
  return owner + "\t" + std::to_string(ttl) + "\t" + rclass + "\t" + type + "\t" + rdata;
}

void CloseDb::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Db::Db(std::unique_ptr<sqlite3, CloseDb> handle, std::string path)
    : handle_(std::move(handle)), path_(std::move(path)) {}

Error Db::fail(const std::string& what) const {
  return Error(path_, what + ": " + sqlite3_errmsg(handle_.get()));
}

Result<Db> Db::open(const std::string& path, Options options) {
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, CloseDb> handle(raw);
  if (rc != SQLITE_OK) {
    std::string why = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    if (rc == SQLITE_CANTOPEN) why = "cannot open database (" + why + ")";
    return Error(path, why);
  }
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  Db db(std::move(handle), path);

  auto schema = db.schema_version();
  if (!schema) return schema.error();
  if (*schema > kSchemaVersion) {
    return Error(path, "database schema " + std::to_string(*schema) +
                           " is newer than this program's (" + std::to_string(kSchemaVersion) +
                           "); upgrade the package");
  }
  db.schema_ = *schema;
  if (options.read_only) {
    if (*schema < kSchemaVersion) {
      return Error(path, "database schema " + std::to_string(*schema) + " is older than " +
                             std::to_string(kSchemaVersion) + "; run `cdnctl init` to migrate it");
    }
    return db;
  }
  if (sqlite3_exec(raw, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db.fail("cannot switch to WAL");
  }
  if (auto st = db.migrate(options.schema); !st) return st.error();
  db.schema_ = std::max(*schema, options.schema);
  return db;
}

Status Db::migrate(int target) {
  sqlite3* h = handle_.get();
  if (sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("cannot lock for migration");
  }
  // Read under the lock: another process may have migrated meanwhile.
  auto schema = schema_version();
  if (!schema) {
    sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
    return schema.error();
  }
  for (int v = *schema; v < target; ++v) {
    if (sqlite3_exec(h, kMigrations[v], nullptr, nullptr, nullptr) != SQLITE_OK) {
      Error e = fail("migration to schema " + std::to_string(v + 1) + " failed");
      sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
  }
  if (*schema < target) {
    std::string pragma = "PRAGMA user_version = " + std::to_string(target);
    if (sqlite3_exec(h, pragma.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      Error e = fail("cannot set user_version");
      sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
  }
  if (sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error e = fail("cannot commit migration");
    sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return Ok{};
}

Result<int> Db::schema_version() {
  Statement s(handle_.get(), "PRAGMA user_version");
  if (!s.step()) return fail("cannot read user_version");
  return static_cast<int>(s.i64(0));
}

Status Db::exec(const std::string& sql) {
  if (sqlite3_exec(handle_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("statement failed");
  }
  return Ok{};
}

Result<int64_t> Db::config_version() {
  if (!table_exists(handle_.get(), "changelog")) return int64_t{0};
  Statement s(handle_.get(), "SELECT COALESCE(MAX(version), 0) FROM changelog");
  if (!s.step()) return fail("cannot read config version");
  return s.i64(0);
}

Result<std::vector<ZoneSummary>> Db::zone_summaries(int64_t version) {
  ReadScope scope(handle_.get());
  std::vector<ZoneSummary> out;
  Statement s(handle_.get(),
              std::string("SELECT name FROM zones WHERE ") + kAtVersion + " ORDER BY name");
  s.bind(1, version);
  while (s.step()) out.push_back({s.text(0), 0});
  if (!s.ok()) return fail("cannot read zones");
  for (auto& z : out) {
    Statement c(handle_.get(),
                std::string("SELECT COUNT(*) FROM records WHERE zone = ?2 AND ") + kAtVersion);
    c.bind(1, version).bind(2, z.name);
    if (!c.step()) return fail("cannot count records");
    z.records = c.i64(0);
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
  Statement s(handle_.get(), std::string("SELECT owner, ttl, class, type, rdata, wire FROM records "
                                         "WHERE zone = ?2 AND ") +
                                 kAtVersion + " ORDER BY seq, rowid");
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
  std::string sql =
      "SELECT owner, ttl, class, type, rdata, wire FROM records WHERE zone = ?2 AND "
      "lower(owner) = ?3 AND ";
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

Result<std::map<std::string, std::string>> Db::settings(int64_t version) {
  std::map<std::string, std::string> out;
  if (!table_exists(handle_.get(), "settings")) return out;
  Statement s(handle_.get(), std::string("SELECT key, value FROM settings WHERE ") + kAtVersion);
  s.bind(1, version);
  while (s.step()) out[s.text(0)] = s.text(1);
  if (!s.ok()) return fail("cannot read settings");
  return out;
}

Result<Config> Db::config(int64_t version) {
  ReadScope scope(handle_.get());
  Config config;
  config.version = version;
  auto zones = zone_summaries(version);
  if (!zones) return zones.error();
  for (const auto& summary : *zones) {
    auto zone = this->zone(summary.name, version);
    if (!zone) return zone.error();
    if (*zone) config.zones.push_back(std::move(**zone));
  }
  auto settings = this->settings(version);
  if (!settings) return settings.error();
  config.settings = std::move(*settings);
  auto steer = steer_config(version);
  if (!steer) return steer.error();
  config.steer = std::move(*steer);
  auto health = health_objects(version);
  if (!health) return health.error();
  config.health = std::move(*health);
  return config;
}

Result<std::vector<HealthObject>> Db::health_objects(int64_t version) {
  ReadScope scope(handle_.get());
  std::vector<HealthObject> out;
  if (!table_exists(handle_.get(), "health_objects")) return out;
  Statement s(handle_.get(), std::string("SELECT kind, name, body FROM health_objects WHERE ") +
                                 kAtVersion + " ORDER BY kind, name");
  s.bind(1, version);
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
  if (!s.ok()) return fail("cannot read health objects");
  return out;
}

Result<SteerConfig> Db::steer_config(int64_t version) {
  ReadScope scope(handle_.get());
  SteerConfig out;
  out.version = version;
  sqlite3* h = handle_.get();
  if (!table_exists(h, "edges")) return out;
  {
    Statement s(h, std::string("SELECT name, site, latitude, longitude, ipv4, ipv6, capacity, "
                               "weight FROM edges WHERE ") +
                       kAtVersion + " ORDER BY name");
    s.bind(1, version);
    while (s.step()) {
      out.edges.push_back(
          {s.text(0), s.text(1), s.f64(2), s.f64(3), s.text(4), s.text(5), s.i64(6), s.i64(7)});
    }
    if (!s.ok()) return fail("cannot read edges");
  }
  {
    Statement s(h, std::string("SELECT name, answers, ttl, fallback, low, high FROM pools WHERE ") +
                       kAtVersion + " ORDER BY name");
    s.bind(1, version);
    while (s.step()) {
      Pool p;
      p.name = s.text(0);
      p.answers = s.i64(1);
      p.ttl = s.i64(2);
      p.fallback = s.text(3);
      p.low = s.f64(4);
      p.high = s.f64(5);
      out.pools.push_back(std::move(p));
    }
    if (!s.ok()) return fail("cannot read pools");
    Statement e(h, std::string("SELECT edge FROM pool_edges WHERE pool = ?2 AND ") + kAtVersion +
                       " ORDER BY seq, rowid");
    for (auto& p : out.pools) {
      e.reset();
      e.bind(1, version).bind(2, p.name);
      while (e.step()) p.edges.push_back(e.text(0));
      if (!e.ok()) return fail("cannot read the edges of pool " + p.name);
    }
  }
  {
    Statement s(h, std::string("SELECT name, pool FROM steered_names WHERE ") + kAtVersion +
                       " ORDER BY name");
    s.bind(1, version);
    while (s.step()) out.names.push_back({s.text(0), s.text(1)});
    if (!s.ok()) return fail("cannot read steered names");
  }
  {
    Statement s(h, std::string("SELECT edge, state, load FROM edge_overrides WHERE ") + kAtVersion +
                       " ORDER BY edge");
    s.bind(1, version);
    while (s.step()) {
      out.overrides.push_back(
          {s.text(0), s.text(1), s.null(2) ? std::nullopt : std::optional<double>(s.f64(2))});
    }
    if (!s.ok()) return fail("cannot read edge overrides");
  }
  {
    Statement s(h, std::string("SELECT prefix, edge, rtt_ms FROM latency WHERE ") + kAtVersion +
                       " ORDER BY prefix, edge");
    s.bind(1, version);
    while (s.step()) out.latency.push_back({s.text(0), s.text(1), s.f64(2)});
    if (!s.ok()) return fail("cannot read the latency map");
  }
  return out;
}

Result<Config> Db::current_config() {
  ReadScope scope(handle_.get());
  auto version = config_version();
  if (!version) return version.error();
  return config(*version);
}

Result<std::vector<ChangeRow>> Db::history(int64_t limit) {
  std::vector<ChangeRow> out;
  Statement s(handle_.get(),
              "SELECT version, time, user, command, summary FROM changelog ORDER BY version DESC "
              "LIMIT ?1");
  s.bind(1, limit > 0 ? limit : int64_t{-1});
  while (s.step()) out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4)});
  if (!s.ok()) return fail("cannot read changelog");
  return out;
}

// --- Transaction ---

Transaction::Transaction(Db& db, int64_t version, std::string user, std::string command)
    : db_(&db), version_(version), user_(std::move(user)), command_(std::move(command)) {}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      version_(other.version_),
      user_(std::move(other.user_)),
      command_(std::move(other.command_)) {}

Transaction::~Transaction() {
  if (db_) sqlite3_exec(db_->handle_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<Transaction> Transaction::begin(Db& db, std::string user, std::string command) {
  if (sqlite3_exec(db.handle_.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db.fail("cannot start a change");
  }
  Transaction txn(db, 0, std::move(user), std::move(command));
  auto current = db.config_version();
  if (!current) return current.error();  // txn rolls back
  txn.version_ = *current + 1;
  return txn;
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
  Statement s(h, std::string("INSERT INTO records(zone, seq, owner, ttl, class, type, rdata, ") +
                     (db_->schema_ >= 5 ? "wire, " : "") +
                     "since) VALUES(?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE zone "
                     "= ?1), ?2, ?3, ?4, ?5, ?6, " +
                     (db_->schema_ >= 5 ? "?7, " : "") + "?8)");
  s.bind(1, n).bind(2, record.owner).bind(3, int64_t{record.ttl}).bind(4, record.rclass);
  s.bind(5, record.type).bind(6, record.rdata).bind_blob(7, record.wire).bind(8, version_);
  if (!s.run()) return db_->fail("cannot add record");
  return zone_changed(n);
}

Result<int64_t> Transaction::delete_record(const std::string& zone, const RecordRow& record) {
  sqlite3* h = db_->handle_.get();
  // The TTL is not part of a record's identity (RFC 2181 5.2: one TTL per RRset).
  Statement s(h,
              "UPDATE records SET until = ?1 WHERE zone = ?2 AND until IS NULL AND "
              "lower(owner) = ?3 AND upper(class) = upper(?4) AND upper(type) = upper(?5) "
              "AND rdata = ?6");
  s.bind(1, version_).bind(2, lower(zone)).bind(3, lower(record.owner)).bind(4, record.rclass);
  s.bind(5, record.type).bind(6, record.rdata);
  if (!s.run()) return db_->fail("cannot delete record");
  int64_t deleted = sqlite3_changes(h);
  if (deleted > 0) {
    if (auto st = zone_changed(zone); !st) return st.error();
  }
  return deleted;
}

Status Transaction::set_setting(const std::string& key, const std::string& value) {
  if (auto st = unset_setting(key); !st) return st;
  Statement s(db_->handle_.get(), "INSERT INTO settings(key, value, since) VALUES(?1, ?2, ?3)");
  if (!s.bind(1, key).bind(2, value).bind(3, version_).run()) {
    return db_->fail("cannot write setting " + key);
  }
  return Ok{};
}

Status Transaction::unset_setting(const std::string& key) {
  Statement s(db_->handle_.get(),
              "UPDATE settings SET until = ?1 WHERE key = ?2 AND until IS NULL");
  if (!s.bind(1, version_).bind(2, key).run()) return db_->fail("cannot write setting " + key);
  return Ok{};
}

// Ends the live rows of `table` where `column` = `key`; returns how many.
Result<int64_t> Transaction::end_rows(const char* table, const char* column,
                                      const std::string& key) {
  sqlite3* h = db_->handle_.get();
  Statement s(h, std::string("UPDATE ") + table + " SET until = ?1 WHERE " + column +
                     " = ?2 AND until IS NULL");
  if (!s.bind(1, version_).bind(2, key).run()) {
    return db_->fail(std::string("cannot change ") + table);
  }
  return int64_t{sqlite3_changes(h)};
}

Status Transaction::put_edge(const Edge& edge) {
  if (auto ended = end_rows("edges", "name", edge.name); !ended) return ended.error();
  Statement s(db_->handle_.get(),
              "INSERT INTO edges(name, site, latitude, longitude, ipv4, ipv6, capacity, weight, "
              "since) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, edge.name).bind(2, edge.site).bind(3, edge.latitude).bind(4, edge.longitude);
  s.bind(5, edge.ipv4).bind(6, edge.ipv6).bind(7, edge.capacity).bind(8, edge.weight);
  if (!s.bind(9, version_).run()) return db_->fail("cannot write edge " + edge.name);
  return Ok{};
}

Status Transaction::delete_edge(const std::string& name) {
  auto ended = end_rows("edges", "name", name);
  if (!ended) return ended.error();
  if (*ended == 0) return Error(db_->path_, "no edge " + name);
  for (const char* table : {"edge_overrides", "latency"}) {
    if (auto st = end_rows(table, "edge", name); !st) return st.error();
  }
  return Ok{};
}

Status Transaction::put_pool(const Pool& pool) {
  for (const auto& [table, column] :
       {std::pair{"pools", "name"}, std::pair{"pool_edges", "pool"}}) {
    if (auto st = end_rows(table, column, pool.name); !st) return st.error();
  }
  sqlite3* h = db_->handle_.get();
  Statement s(h,
              "INSERT INTO pools(name, answers, ttl, fallback, low, high, since) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(1, pool.name).bind(2, pool.answers).bind(3, pool.ttl).bind(4, pool.fallback);
  s.bind(5, pool.low).bind(6, pool.high).bind(7, version_);
  if (!s.run()) return db_->fail("cannot write pool " + pool.name);
  Statement e(h, "INSERT INTO pool_edges(pool, seq, edge, since) VALUES(?1, ?2, ?3, ?4)");
  int64_t seq = 0;
  for (const auto& edge : pool.edges) {
    e.reset();
    if (!e.bind(1, pool.name).bind(2, ++seq).bind(3, edge).bind(4, version_).run()) {
      return db_->fail("cannot write pool " + pool.name);
    }
  }
  return Ok{};
}

Status Transaction::delete_pool(const std::string& name) {
  auto ended = end_rows("pools", "name", name);
  if (!ended) return ended.error();
  if (*ended == 0) return Error(db_->path_, "no pool " + name);
  if (auto st = end_rows("pool_edges", "pool", name); !st) return st.error();
  return Ok{};
}

Status Transaction::put_steered_name(const SteeredName& name) {
  if (auto ended = end_rows("steered_names", "name", name.name); !ended) return ended.error();
  Statement s(db_->handle_.get(),
              "INSERT INTO steered_names(name, pool, since) VALUES(?1, ?2, ?3)");
  if (!s.bind(1, name.name).bind(2, name.pool).bind(3, version_).run()) {
    return db_->fail("cannot write steered name " + name.name);
  }
  return Ok{};
}

Status Transaction::delete_steered_name(const std::string& name) {
  auto ended = end_rows("steered_names", "name", name);
  if (!ended) return ended.error();
  if (*ended == 0) return Error(db_->path_, "no steered name " + name);
  return Ok{};
}

Status Transaction::set_edge_override(const EdgeOverride& state) {
  if (auto ended = end_rows("edge_overrides", "edge", state.edge); !ended) {
    return ended.error();
  }
  Statement s(db_->handle_.get(),
              "INSERT INTO edge_overrides(edge, state, load, since) VALUES(?1, ?2, ?3, ?4)");
  s.bind(1, state.edge).bind(2, state.state).bind(3, state.load).bind(4, version_);
  if (!s.run()) return db_->fail("cannot write the override of edge " + state.edge);
  return Ok{};
}

Status Transaction::clear_edge_override(const std::string& edge) {
  if (auto ended = end_rows("edge_overrides", "edge", edge); !ended) return ended.error();
  return Ok{};
}

Status Transaction::replace_latency(const std::vector<LatencyEntry>& entries) {
  sqlite3* h = db_->handle_.get();
  Statement end(h, "UPDATE latency SET until = ?1 WHERE until IS NULL");
  if (!end.bind(1, version_).run()) return db_->fail("cannot replace the latency map");
  Statement s(h, "INSERT INTO latency(prefix, edge, rtt_ms, since) VALUES(?1, ?2, ?3, ?4)");
  for (const auto& entry : entries) {
    s.reset();
    s.bind(1, entry.prefix).bind(2, entry.edge).bind(3, entry.rtt_ms).bind(4, version_);
    if (!s.run()) return db_->fail("cannot write latency " + entry.prefix + " " + entry.edge);
  }
  return Ok{};
}

Status Transaction::put_health_object(const HealthObject& object) {
  sqlite3* h = db_->handle_.get();
  Statement end(h,
                "UPDATE health_objects SET until = ?1 WHERE kind = ?2 AND name = ?3 AND until IS "
                "NULL");
  if (!end.bind(1, version_).bind(2, object.kind).bind(3, object.name).run()) {
    return db_->fail("cannot change " + object.kind + " " + object.name);
  }
  Statement s(h, "INSERT INTO health_objects(kind, name, body, since) VALUES(?1, ?2, ?3, ?4)");
  s.bind(1, object.kind).bind(2, object.name).bind(3, object.body).bind(4, version_);
  if (!s.run()) return db_->fail("cannot write " + object.kind + " " + object.name);
  return Ok{};
}

Result<bool> Transaction::delete_health_object(const std::string& kind, const std::string& name) {
  sqlite3* h = db_->handle_.get();
  Statement end(h,
                "UPDATE health_objects SET until = ?1 WHERE kind = ?2 AND name = ?3 AND until IS "
                "NULL");
  if (!end.bind(1, version_).bind(2, kind).bind(3, name).run()) {
    return db_->fail("cannot change " + kind + " " + name);
  }
  return sqlite3_changes(h) > 0;
}

Status Transaction::restore(int64_t version) {
  if (version < 0 || version >= version_) {
    return Error(db_->path_, "no version " + std::to_string(version) + " (current is " +
                                 std::to_string(version_ - 1) + ")");
  }
  sqlite3* h = db_->handle_.get();
  // Per table: rows live now but not in `version` end; rows of `version` that are no longer live
  // come back (seq kept, so record order is the old one); rows in both stay as they are.
  struct Table {
    const char* name;
    const char* columns;
  };
  const Table tables[] = {
      {"zones", "name"},
      {"records", "zone, seq, owner, ttl, class, type, rdata, wire"},
      {"settings", "key, value"},
      {"edges", "name, site, latitude, longitude, ipv4, ipv6, capacity, weight"},
      {"pools", "name, answers, ttl, fallback, low, high"},
      {"pool_edges", "pool, seq, edge"},
      {"steered_names", "name, pool"},
      {"edge_overrides", "edge, state, load"},
      {"latency", "prefix, edge, rtt_ms"},
      {"health_objects", "kind, name, body"}};
  for (const auto& t : tables) {
    std::string end =
        std::string("UPDATE ") + t.name + " SET until = ?2 WHERE until IS NULL AND since > ?1";
    std::string back = std::string("INSERT INTO ") + t.name + "(" + t.columns + ", since) SELECT " +
                       t.columns + ", ?2 FROM " + t.name +
                       " WHERE since <= ?1 AND until IS NOT NULL AND until > ?1";
    Statement e(h, end);
    if (!e.bind(1, version).bind(2, version_).run())
      return db_->fail("cannot restore " + std::string(t.name));
    Statement b(h, back);
    if (!b.bind(1, version).bind(2, version_).run())
      return db_->fail("cannot restore " + std::string(t.name));
  }
  // Every zone whose rows this version ended or brought back changed in it.
  for (const char* sql : {"INSERT OR IGNORE INTO zone_changes(zone, version) SELECT DISTINCT zone, "
                          "?1 FROM records WHERE since = ?1 OR until = ?1",
                          "INSERT OR IGNORE INTO zone_changes(zone, version) SELECT DISTINCT name, "
                          "?1 FROM zones WHERE since = ?1 OR until = ?1"}) {
    Statement s(h, sql);
    if (!s.bind(1, version_).run()) return db_->fail("cannot note the zones restored");
  }
  return Ok{};
}

Result<int64_t> Transaction::commit(const std::string& summary) {
  sqlite3* h = db_->handle_.get();
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  Statement s(h,
              "INSERT INTO changelog(version, time, user, command, summary) "
              "VALUES(?1, ?2, ?3, ?4, ?5)");
  s.bind(1, version_).bind(2, int64_t{now}).bind(3, user_).bind(4, command_).bind(5, summary);
  if (!s.run()) return db_->fail("cannot write changelog");
  if (sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_->fail("cannot commit");  // the destructor rolls back
  }
  db_ = nullptr;
  return version_;
}

std::string current_user() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* user = std::getenv("USER"); user && *user) return user;
  return "uid " + std::to_string(getuid());
}

}  // namespace cdn::store
