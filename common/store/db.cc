#include "common/store/db.h"

#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <utility>

#include "common/store/schema.h"
#include "common/store/sqlite.h"

namespace cdn::store {

using namespace sql;

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
    if (sqlite3_exec(h, migration_to(v + 1), nullptr, nullptr, nullptr) != SQLITE_OK) {
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

Status Transaction::restore(int64_t version) {
  if (version < 0 || version >= version_) {
    return Error(db_->path_, "no version " + std::to_string(version) + " (current is " +
                                 std::to_string(version_ - 1) + ")");
  }
  sqlite3* h = db_->handle_.get();
  // Per table: rows live now but not in `version` end; rows of `version` that are no longer live
  // come back (seq kept, so record order is the old one); rows in both stay as they are.
  for (const auto& t : kVersionedTables) {
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
