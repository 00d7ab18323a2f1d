// common/store/db.h: the configuration database (sqlite3, WAL): schema migrations, config
// versions, changelog, typed reads and writes. Used by cdnctl (writes) and the daemons (reads).
//
// DOC: how versions are kept
// Every change is one `Transaction`. It holds sqlite's write lock from its first statement
// (BEGIN IMMEDIATE, so writers are serialized), and its commit appends one `changelog` row whose
// `version` is the new config_version (= the highest changelog version, 0 for an empty database).
//
// The versioned tables (zones, records, settings, for steering edges, pools, pool_edges,
// steered_names, edge_overrides, latency, and healthd's health_objects) keep rows with a validity
// range instead of a full copy per version: a row is part of version V when `since <= V AND (until
// IS NULL OR until > V)`. Adding a row inserts it with since = new version; removing one sets until
// = new version; nothing is ever updated in place or deleted. So a one-record change to a large
// zone costs one row, every past version can be read back exactly (diff), and `rollback V` is a new
// version that ends the rows V did not have and re-inserts the ones it had (history is never
// rewritten). Live rows are the ones with until IS NULL.
//
// Records are stored as presentation text per record (owner, ttl, class, type, rdata) in source
// order (`seq` within a zone), and beside it in wire form (`wire`, dns/zone/stored_record.h), so
// a daemon loads a zone without parsing text. Zone and owner names are absolute; zone names lower
// case. `zone_changes` lists, per zone, every version that changed it: a daemon keeps a compiled
// zone whose last change it has loaded already, and the last change is the zone's serial source.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/store/steer_config.h"

struct sqlite3;

namespace cdn::store {

// The schema this build writes; migrations bring older databases up to it.
inline constexpr int kSchemaVersion = 6;

struct RecordRow {
  std::string owner;  // "www.example.com."
  uint32_t ttl = 0;
  std::string rclass = "IN";
  std::string type;          // "A", "CNAME", "TYPE65534"
  std::string rdata;         // presentation text, "192.0.2.1"
  std::string wire;          // stored wire form (dns/zone/stored_record.h); "" = not known
  std::string text() const;  // "www.example.com.\t300\tIN\tA\t192.0.2.1"
};

// One stored record as a daemon reads it: views valid only during the callback.
struct RecordView {
  std::string_view owner, rclass, type, rdata;
  uint32_t ttl = 0;
  std::string_view wire;  // empty for rows written before schema 5
};

// A zone at one version and the last version that changed its content (>= its creation).
struct ZoneHead {
  std::string name;
  int64_t changed = 0;
};

struct ZoneRow {
  std::string name;                // "example.com."
  std::vector<RecordRow> records;  // source order
};

struct ZoneSummary {
  std::string name;
  int64_t records = 0;
};

struct ChangeRow {
  int64_t version = 0;
  int64_t time = 0;  // unix seconds
  std::string user;
  std::string command;  // "zone import example.com. example.com.zone"
  std::string summary;  // "imported zone example.com. (12 records)"
};

// One cdn-healthd object: kind "check", "service", "prefix", "neighbor" or "drain", its name
// (unique per kind) and its JSON body. common/store/health_config.h gives them their types.
struct HealthObject {
  std::string kind;
  std::string name;
  std::string body;
  bool operator==(const HealthObject&) const = default;
};

// The whole versioned configuration at one version.
struct Config {
  int64_t version = 0;
  std::vector<ZoneRow> zones;  // by name
  std::map<std::string, std::string> settings;
  SteerConfig steer;                 // geoip_path is left empty here: it is settings["geoip.path"]
  std::vector<HealthObject> health;  // by kind, then name
};

struct CloseDb {
  void operator()(sqlite3* db) const;
};

class Db {
 public:
  struct Options {
    bool read_only = false;       // daemons: never migrate, never write
    bool create = true;           // create the file when missing (read-write only)
    int schema = kSchemaVersion;  // migrate up to this; older values build old databases for tests
  };
  // Opens (and, read-write, creates and migrates) the database. Error.where is the path.
  static Result<Db> open(const std::string& path, Options options);
  static Result<Db> open(const std::string& path) { return open(path, Options{}); }

  const std::string& path() const { return path_; }
  Result<int> schema_version();  // PRAGMA user_version
  Result<int64_t> config_version();

  // Reads at `version` (must be <= config_version). Each call is one consistent read.
  Result<std::vector<ZoneSummary>> zone_summaries(int64_t version);
  Result<std::optional<ZoneRow>> zone(const std::string& name, int64_t version);
  Result<std::vector<ZoneHead>> zone_heads(int64_t version);  // by name
  // Every record of `zone` at `version` in source order, without copying them.
  Status for_each_record(const std::string& zone, int64_t version,
                         const std::function<void(const RecordView&)>& visit);
  // The records of `zone` at `version` whose owner is `owner` (case-insensitive), source order.
  Result<std::vector<RecordRow>> records_at(const std::string& zone, const std::string& owner,
                                            int64_t version);
  // The owners (lower case) whose records in `zone` changed in versions (from, to]: rows added
  // or ended there. nullopt when there are more than `limit`.
  Result<std::optional<std::vector<std::string>>> changed_owners(const std::string& zone,
                                                                 int64_t from, int64_t to,
                                                                 size_t limit);
  Result<std::map<std::string, std::string>> settings(int64_t version);
  // Edges, pools, steered names, overrides and latency (empty before schema 3).
  Result<SteerConfig> steer_config(int64_t version);
  // cdn-healthd's objects (empty before schema 4), by kind then name.
  Result<std::vector<HealthObject>> health_objects(int64_t version);
  Result<Config> config(int64_t version);
  Result<Config> current_config();
  // Newest first; limit 0 = all.
  Result<std::vector<ChangeRow>> history(int64_t limit = 0);

  // Plain SQL for read transactions spanning several reads (BEGIN/COMMIT) and for tests.
  Status exec(const std::string& sql);

 private:
  friend class Transaction;
  Db(std::unique_ptr<sqlite3, CloseDb> handle, std::string path);
  Status migrate(int target);
  Error fail(const std::string& what) const;

  std::unique_ptr<sqlite3, CloseDb> handle_;
  std::string path_;
  int schema_ = 0;  // after open()'s migration; writes to older test databases skip newer columns
};

// One change: begin() takes the write lock; commit() appends the changelog row and makes the
// new version visible; destroying an uncommitted Transaction rolls everything back.
class Transaction {
 public:
  static Result<Transaction> begin(Db& db, std::string user, std::string command);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  int64_t version() const { return version_; }  // the version commit() will create

  Result<bool> zone_exists(const std::string& name);
  // Adds the zone or replaces all its records.
  Status put_zone(const ZoneRow& zone);
  Status delete_zone(const std::string& name);
  Status add_record(const std::string& zone, const RecordRow& record);
  // Removes every live record of `zone` equal to `record`; returns how many.
  Result<int64_t> delete_record(const std::string& zone, const RecordRow& record);
  Status set_setting(const std::string& key, const std::string& value);
  Status unset_setting(const std::string& key);
  // Steering. A put replaces the live object of that name (or adds it); validation is the
  // caller's (validate_steer_config on the configuration the change leaves behind).
  Status put_edge(const Edge& edge);
  // Also ends the edge's override and latency entries.
  Status delete_edge(const std::string& name);
  Status put_pool(const Pool& pool);
  Status delete_pool(const std::string& name);
  Status put_steered_name(const SteeredName& name);
  Status delete_steered_name(const std::string& name);
  Status set_edge_override(const EdgeOverride& state);
  Status clear_edge_override(const std::string& edge);
  // Ends every live latency entry and inserts `entries`.
  Status replace_latency(const std::vector<LatencyEntry>& entries);

  // cdn-healthd's objects: a put replaces the live object of that kind and name (or adds it);
  // delete returns whether there was one.
  Status put_health_object(const HealthObject& object);
  Result<bool> delete_health_object(const std::string& kind, const std::string& name);

  // Makes the content equal to `version`'s.
  Status restore(int64_t version);

  // Returns the new config_version.
  Result<int64_t> commit(const std::string& summary);

 private:
  Transaction(Db& db, int64_t version, std::string user, std::string command);
  Result<int64_t> end_rows(const char* table, const char* column, const std::string& key);
  Status zone_changed(const std::string& zone);  // records this version in zone_changes
  Db* db_;  // borrowed; null once committed, rolled back or moved from
  int64_t version_;
  std::string user_;
  std::string command_;
};

// The name of the person running the command, for the changelog (SUDO_USER, else the login).
std::string current_user();

}  // namespace cdn::store
