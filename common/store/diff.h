// common/store/diff.h: what changed between two config versions, for `cdnctl diff` and for the
// preview before a rollback. Records are compared as a multiset of their presentation text;
// steering objects (edges, pools, steered names, overrides, latency entries) by their one-line
// text (steer_config.h), and cdn-healthd's objects (checks, services, prefixes, neighbors,
// drains) by their JSON body, keyed by kind and name.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/store/db.h"

namespace cdn::store {

struct RecordChange {
  std::string zone;
  std::string record;  // RecordRow::text()
};

struct SettingChange {
  std::string key;
  std::optional<std::string> before;  // nullopt: not set
  std::optional<std::string> after;
};

struct SteerChange {
  std::string kind;  // "edge", "pool", "steer", "override", "latency", "check", "service",
                     // "prefix", "neighbor", "drain"
  std::string key;   // "fra1"; a steered name; "192.0.2.0/24 fra1" for latency
  std::optional<std::string> before;  // nullopt: not there
  std::optional<std::string> after;
};

struct ConfigDiff {
  int64_t from = 0;
  int64_t to = 0;
  std::vector<std::string> zones_added;
  std::vector<std::string> zones_removed;
  std::vector<RecordChange> records_added;    // includes the records of added zones
  std::vector<RecordChange> records_removed;  // includes the records of removed zones
  std::vector<SettingChange> settings;
  std::vector<SteerChange> steer;  // in the order of the kinds above, then by key
  bool empty() const {
    return zones_added.empty() && zones_removed.empty() && records_added.empty() &&
           records_removed.empty() && settings.empty() && steer.empty();
  }
};

ConfigDiff diff_configs(const Config& from, const Config& to);

}  // namespace cdn::store
