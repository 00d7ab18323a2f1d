#include "common/store/diff.h"

#include <algorithm>
#include <map>

namespace cdn::store {
namespace {

const std::vector<RecordRow>* find_zone(const Config& config, const std::string& name) {
  for (const auto& z : config.zones) {
    if (z.name == name) return &z.records;
  }
  return nullptr;
}

std::vector<std::string> texts(const std::vector<RecordRow>* records) {
  std::vector<std::string> out;
  if (records) {
    for (const auto& r : *records) out.push_back(r.text());
  }
  return out;
}

// Every steering object as (kind rank, key) -> (kind, text).
using SteerItems = std::map<std::pair<int, std::string>, std::pair<const char*, std::string>>;

SteerItems steer_items(const SteerConfig& c) {
  SteerItems out;
  for (const auto& e : c.edges) out[{0, e.name}] = {"edge", edge_text(e)};
  for (const auto& p : c.pools) out[{1, p.name}] = {"pool", pool_text(p)};
  for (const auto& n : c.names) out[{2, n.name}] = {"steer", "pool=" + n.pool};
  for (const auto& o : c.overrides) out[{3, o.edge}] = {"override", override_text(o)};
  for (const auto& l : c.latency) {
    out[{4, l.prefix + " " + l.edge}] = {"latency", "rtt_ms=" + format_number(l.rtt_ms)};
  }
  return out;
}

// cdn-healthd's objects after the steering ones, by kind then name; the text is the JSON body.
void add_health_items(const std::vector<HealthObject>& objects, SteerItems& out) {
  static const char* const kKinds[] = {"check", "service", "prefix", "neighbor", "drain"};
  for (const auto& o : objects) {
    for (int rank = 0; rank < 5; ++rank) {
      if (o.kind == kKinds[rank]) out[{5 + rank, o.name}] = {kKinds[rank], o.body};
    }
  }
}

}  // namespace

ConfigDiff diff_configs(const Config& from, const Config& to) {
  ConfigDiff diff;
  diff.from = from.version;
  diff.to = to.version;

  std::vector<std::string> names;
  for (const auto& z : from.zones) names.push_back(z.name);
  for (const auto& z : to.zones) names.push_back(z.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  for (const auto& name : names) {
    const auto* before = find_zone(from, name);
    const auto* after = find_zone(to, name);
    if (!before) diff.zones_added.push_back(name);
    if (!after) diff.zones_removed.push_back(name);
    // Multiset difference, reported in each side's source order.
    auto old_texts = texts(before);
    auto new_texts = texts(after);
    std::map<std::string, int> count;
    for (const auto& t : old_texts) ++count[t];
    for (const auto& t : new_texts) --count[t];
    std::map<std::string, int> removed_left = count;
    for (const auto& t : old_texts) {
      if (removed_left[t] > 0) {
        diff.records_removed.push_back({name, t});
        --removed_left[t];
      }
    }
    std::map<std::string, int> added_left = count;
    for (const auto& t : new_texts) {
      if (added_left[t] < 0) {
        diff.records_added.push_back({name, t});
        ++added_left[t];
      }
    }
  }

  for (const auto& [key, value] : from.settings) {
    auto it = to.settings.find(key);
    if (it == to.settings.end()) {
      diff.settings.push_back({key, value, std::nullopt});
    } else if (it->second != value) {
      diff.settings.push_back({key, value, it->second});
    }
  }
  for (const auto& [key, value] : to.settings) {
    if (!from.settings.count(key)) diff.settings.push_back({key, std::nullopt, value});
  }
  std::sort(diff.settings.begin(), diff.settings.end(),
            [](const SettingChange& a, const SettingChange& b) { return a.key < b.key; });

  SteerItems before = steer_items(from.steer);
  SteerItems after = steer_items(to.steer);
  add_health_items(from.health, before);
  add_health_items(to.health, after);
  SteerItems all = before;
  all.insert(after.begin(), after.end());
  for (const auto& [key, item] : all) {
    auto b = before.find(key);
    auto a = after.find(key);
    SteerChange change{item.first, key.second, std::nullopt, std::nullopt};
    if (b != before.end()) change.before = b->second.second;
    if (a != after.end()) change.after = a->second.second;
    if (change.before != change.after) diff.steer.push_back(std::move(change));
  }
  return diff;
}

}  // namespace cdn::store
