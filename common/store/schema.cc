// common/store/schema.cc: the schema's history (migrations) and the versioned tables, in one
// place: Transaction::restore and the row-lifetime rules follow kVersionedTables.
#include "common/store/schema.h"

#include <iterator>

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
    // the index a one-record change needs (the live records of one owner).
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
CREATE INDEX records_by_owner ON records(zone, lower(owner)) WHERE until IS NULL;
)sql",
    // 5 -> 6: the rows a version added, so a daemon finds what changed between the version it
    // compiled and the current one (rows it ended: records_by_zone) without reading the zone.
    R"sql(
CREATE INDEX records_by_since ON records(zone, since);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

const char* migration_to(int version) {
  return version >= 1 && version <= kSchemaVersion ? kMigrations[version - 1] : nullptr;
}

}  // namespace cdn::store
