// common/store/diff.h: what changed between two config versions, for `cdnctl diff` and for the
// preview before a rollback. Records are compared as a multiset of their presentation text.
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

struct ConfigDiff {
  int64_t from = 0;
  int64_t to = 0;
  std::vector<std::string> zones_added;
  std::vector<std::string> zones_removed;
  std::vector<RecordChange> records_added;    // includes the records of added zones
  std::vector<RecordChange> records_removed;  // includes the records of removed zones
  std::vector<SettingChange> settings;
  bool empty() const {
    return zones_added.empty() && zones_removed.empty() && records_added.empty() &&
           records_removed.empty() && settings.empty();
  }
};

ConfigDiff diff_configs(const Config& from, const Config& to);

}  // namespace cdn::store
