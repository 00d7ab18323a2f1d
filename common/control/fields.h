// common/control/fields.h: what the message codecs (messages.cc, health_replies.cc) share:
// reading the fields of one JSON object with errors that name the field's path. Internal to
// common/control.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "common/control/control.h"
#include "common/result.h"

namespace cdn::control {
struct BridgeReport;
}

namespace cdn::control::detail {

// Reads the fields of one JSON object; every error names the field's path.
class Fields {
 public:
  Fields(const Json& json, std::string path) : json_(json), path_(std::move(path)) {}

  Status object() const {
    if (!json_.is_object()) return Error(path_.empty() ? "message" : path_, "must be an object");
    return Ok{};
  }
  // Each reader leaves `out` as it is when the field is absent (or null) and not required.
  Status text(const char* key, std::string& out, bool required = false) const {
    const Json* v = find(key);
    if (!v) return absent(key, required);
    if (!v->is_string()) return Error(at(key), "must be a string");
    out = v->get<std::string>();
    return Ok{};
  }
  Status integer(const char* key, int64_t& out, bool required = false) const {
    const Json* v = find(key);
    if (!v) return absent(key, required);
    if (!v->is_number_integer()) return Error(at(key), "must be an integer");
    out = v->get<int64_t>();
    return Ok{};
  }
  Status count(const char* key, uint64_t& out, bool required = false) const {
    const Json* v = find(key);
    if (!v) return absent(key, required);
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<int64_t>() >= 0))
      return Error(at(key), "must be a whole number >= 0");
    out = v->get<uint64_t>();
    return Ok{};
  }
  Status number(const char* key, double& out, double min, double max, bool required = false) const {
    const Json* v = find(key);
    if (!v) return absent(key, required);
    if (!v->is_number()) return Error(at(key), "must be a number");
    double d = v->get<double>();
    if (!(d >= min && d <= max)) return Error(at(key), "must be " + range(min, max));
    out = d;
    return Ok{};
  }
  Status boolean(const char* key, bool& out, bool required = false) const {
    const Json* v = find(key);
    if (!v) return absent(key, required);
    if (!v->is_boolean()) return Error(at(key), "must be true or false");
    out = v->get<bool>();
    return Ok{};
  }
  // Whether `key` is there and not null.
  bool has(const char* key) const { return find(key) != nullptr; }
  // The array at `key` (an empty one when absent and not required).
  Result<const Json*> array(const char* key, bool required = false) const {
    static const Json kEmpty = Json::array();
    const Json* v = find(key);
    if (!v) {
      if (required) return Error(at(key), "is missing");
      return &kEmpty;
    }
    if (!v->is_array()) return Error(at(key), "must be a list");
    return v;
  }
  // Calls `item(json, path)` for each element of the list at `key` ("key[i]" paths).
  template <class F>
  Status each(const char* key, F&& item) const {
    auto list = array(key);
    if (!list) return list.error();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      if (auto st = item((**list)[i], at(key) + "[" + std::to_string(i) + "]"); !st) return st;
    }
    return Ok{};
  }
  std::string at(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  const Json* find(const char* key) const {
    auto it = json_.find(key);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
  }
  Status absent(const char* key, bool required) const {
    if (required) return Error(at(key), "is missing");
    return Ok{};
  }
  static std::string range(double min, double max) {
    auto text = [](double d) {
      std::string s = std::to_string(d);
      while (s.size() > 1 && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
      return s;
    };
    if (max >= 1e300) return ">= " + text(min);
    return text(min) + ".." + text(max);
  }
  const Json& json_;
  std::string path_;
};

inline constexpr double kUnbounded = 1e308;

inline Json request(const char* name) { return Json{{"cmd", name}}; }

#define CDN_TRY(expr)                        \
  do {                                       \
    if (auto st_ = (expr); !st_) return st_; \
  } while (0)

// A JSON list of `items`, each through `encode_one`.
template <class Items, class F>
Json list_json(const Items& items, F&& encode_one) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(encode_one(item));
  return out;
}

// One of the bridge's reports at `path` ("reports[2]", "bridge.reports[0]").
Status decode_report(const Json& json, const std::string& path, BridgeReport& out);

}  // namespace cdn::control::detail
