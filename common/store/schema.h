// common/store/schema.h: the database's schema history and its versioned tables.
// Every versioned table keeps rows with a validity range (since, until): see db.h. The registry
// below is what restore (rollback) walks; a new table joins it and its migration, nothing else.
#pragma once
#include <array>

#include "common/store/db.h"

namespace cdn::store {

// The SQL that brings schema version - 1 to `version` (1..kSchemaVersion), else nullptr.
const char* migration_to(int version);

struct VersionedTable {
  const char* name;
  const char* columns;  // the content columns, without since and until
  int since_schema;     // the schema that created the table (older databases lack it)
};

inline constexpr std::array<VersionedTable, 10> kVersionedTables{{
    {"zones", "name", 1},
    {"records", "zone, seq, owner, ttl, class, type, rdata, wire", 1},
    {"settings", "key, value", 2},
    {"edges", "name, site, latitude, longitude, ipv4, ipv6, capacity, weight", 3},
    {"pools", "name, answers, ttl, fallback, low, high", 3},
    {"pool_edges", "pool, seq, edge", 3},
    {"steered_names", "name, pool", 3},
    {"edge_overrides", "edge, state, load", 3},
    {"latency", "prefix, edge, rtt_ms", 3},
    {"health_objects", "kind, name, body", 4},
}};

}  // namespace cdn::store
