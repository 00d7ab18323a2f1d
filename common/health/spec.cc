// common/health/spec.cc: check kinds, the rules of a valid check, and its JSON form.
#include "common/health/spec.h"

#include <array>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "common/enum_text.h"
#include "common/net/endpoint.h"
#include "common/net/prefix.h"

namespace cdn::health {

namespace {

// Type mnemonics a health check may ask for (RFC 3597 TYPEnnn for any other).
constexpr std::array kTypes{"A",       "NS",    "CNAME", "SOA",    "PTR",   "HINFO", "MX",
                            "TXT",     "AAAA",  "LOC",   "SRV",    "NAPTR", "DNAME", "DS",
                            "SSHFP",   "RRSIG", "NSEC",  "DNSKEY", "NSEC3", "TLSA",  "CDS",
                            "CDNSKEY", "SVCB",  "HTTPS", "CAA",    "ANY"};
constexpr std::array kRcodes{"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                             "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};

bool known_type(const std::string& text) {
  for (const char* t : kTypes) {
    if (text == t) return true;
  }
  if (text.size() > 4 && text.compare(0, 4, "TYPE") == 0) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data() + 4, text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() && value > 0 && value <= 65535;
  }
  return false;
}

// Presentation-format name: labels of 1..63 octets, 255 in all; absolute or not.
bool valid_name(const std::string& name) {
  if (name == ".") return true;
  if (name.empty() || name.size() > 254 || name.front() == '.') return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (std::isspace(static_cast<unsigned char>(c)) ||
               std::iscntrl(static_cast<unsigned char>(c)) || ++label > 63) {
      return false;
    }
  }
  return true;
}

Status validate_dns_options(const DnsOptions& options) {
  if (options.qname.empty()) return Error("dns.qname", "must not be empty");
  if (!valid_name(options.qname)) {
    return Error("dns.qname", "'" + options.qname + "' is not a domain name");
  }
  if (!known_type(options.qtype)) {
    return Error("dns.qtype", "unknown type '" + options.qtype + "' (A, AAAA, SOA, TYPE65, ...)");
  }
  bool rcode = false;
  for (const char* r : kRcodes) rcode |= options.rcode == r;
  if (!rcode) {
    return Error("dns.rcode", "unknown rcode '" + options.rcode + "' (NOERROR, NXDOMAIN, ...)");
  }
  if (!options.expect_address.empty()) {
    if (!net::parse_address(options.expect_address)) {
      return Error("dns.expect_address", "'" + options.expect_address + "' is not an IP address");
    }
  }
  return Ok{};
}

}  // namespace
namespace {

Error field_error(const CheckSpec& spec, const std::string& field, const std::string& what) {
  return Error("check " + (spec.name.empty() ? std::string("(unnamed)") : spec.name) + ": " + field,
               what);
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

constexpr std::array<std::string_view, 5> kCheckKindWords = {"tcp", "http", "https", "dns", "exec"};

std::string_view to_string(CheckKind kind) {
  return enum_text<CheckKind::Exec>(kind, kCheckKindWords);
}

Result<CheckKind> parse_check_kind(std::string_view text) {
  for (auto kind :
       {CheckKind::Tcp, CheckKind::Http, CheckKind::Https, CheckKind::Dns, CheckKind::Exec}) {
    if (text == to_string(kind)) return kind;
  }
  return Error("kind", "unknown check kind '" + std::string(text) +
                           "' (expected tcp, http, https, dns or exec)");
}

Status validate(const CheckSpec& spec) {
  if (spec.name.empty()) return field_error(spec, "name", "must not be empty");
  for (char c : spec.name) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return field_error(spec, "name", "must not contain spaces or control characters");
    }
  }
  if (spec.interval <= std::chrono::milliseconds(0)) {
    return field_error(spec, "interval", "must be positive, got " + ms(spec.interval));
  }
  if (spec.timeout <= std::chrono::milliseconds(0)) {
    return field_error(spec, "timeout", "must be positive, got " + ms(spec.timeout));
  }
  if (spec.timeout > spec.interval) {
    return field_error(spec, "timeout",
                       ms(spec.timeout) + " is longer than interval (" + ms(spec.interval) + ")");
  }
  if (spec.jitter < std::chrono::milliseconds(0)) {
    return field_error(spec, "jitter", "must not be negative, got " + ms(spec.jitter));
  }
  if (spec.jitter * 2 > spec.interval) {
    return field_error(
        spec, "jitter",
        ms(spec.jitter) + " is more than half the interval (" + ms(spec.interval) + ")");
  }
  if (spec.rise < 1) return field_error(spec, "rise", "must be at least 1");
  if (spec.fall < 1) return field_error(spec, "fall", "must be at least 1");

  if (spec.kind != CheckKind::Exec) {
    auto target = net::parse_endpoint(spec.target);
    if (!target) return field_error(spec, "target", target.error().text());
    if (target->port() == 0) return field_error(spec, "target", "port 0 in '" + spec.target + "'");
  }
  switch (spec.kind) {
    case CheckKind::Http:
    case CheckKind::Https: {
      const auto& h = spec.http;
      if (h.path.empty() || h.path[0] != '/') {
        return field_error(spec, "http.path", "must start with '/', got '" + h.path + "'");
      }
      for (const auto& [field, value] : {std::pair{"http.path", &h.path}, {"http.host", &h.host}}) {
        for (char c : *value) {
          if (std::iscntrl(static_cast<unsigned char>(c)) || c == ' ') {
            return field_error(spec, field, "must not contain spaces or control characters");
          }
        }
      }
      if (h.status_min < 100 || h.status_max > 599 || h.status_min > h.status_max) {
        return field_error(spec, "http.status",
                           "range " + std::to_string(h.status_min) + "-" +
                               std::to_string(h.status_max) + " is not within 100-599");
      }
      break;
    }
    case CheckKind::Dns: {
      auto ok = validate_dns_options(spec.dns);
      if (!ok) return field_error(spec, ok.error().where, ok.error().what);
      break;
    }
    case CheckKind::Exec: {
      if (spec.exec.argv.empty() || spec.exec.argv[0].empty()) {
        return field_error(spec, "exec.argv", "needs a command");
      }
      if (spec.exec.shell && spec.exec.argv.size() != 1) {
        return field_error(spec, "exec.argv", "with shell: true, give one command line");
      }
      break;
    }
    case CheckKind::Tcp:
      break;
  }
  return Ok{};
}

Status validate(const std::vector<CheckSpec>& specs) {
  std::set<std::string> names;
  for (const auto& spec : specs) {
    if (auto ok = validate(spec); !ok) return ok;
    if (!names.insert(spec.name).second) {
      return field_error(spec, "name", "used by more than one check");
    }
  }
  return Ok{};
}

namespace {

using Json = nlohmann::json;

Error json_error(const std::string& name, const std::string& field, const std::string& what) {
  return Error("check " + name + ": " + field, what);
}

// Reads `key` of `object` into `out` when present; false (with `error` set) when it has the
// wrong type. Unknown keys are found by the caller's list of known ones.
template <class T>
bool read(const Json& object, const char* key, T& out, const std::string& name,
          const std::string& prefix, std::optional<Error>& error) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  try {
    out = it->get<T>();
    return true;
  } catch (const Json::exception&) {
    error =
        json_error(name, prefix + key, "has the wrong type (" + std::string(it->type_name()) + ")");
    return false;
  }
}

bool only_known(const Json& object, std::initializer_list<const char*> known,
                const std::string& name, const std::string& prefix, std::optional<Error>& error) {
  for (const auto& [key, value] : object.items()) {
    bool ok = false;
    for (const char* k : known) ok |= key == k;
    if (!ok) {
      error = json_error(name, prefix + key, "unknown field");
      return false;
    }
  }
  return true;
}

}  // namespace

Json to_json(const CheckSpec& spec) {
  Json out{{"kind", std::string(to_string(spec.kind))},
           {"interval_ms", spec.interval.count()},
           {"timeout_ms", spec.timeout.count()},
           {"jitter_ms", spec.jitter.count()},
           {"rise", spec.rise},
           {"fall", spec.fall}};
  if (spec.kind != CheckKind::Exec) out["target"] = spec.target;
  switch (spec.kind) {
    case CheckKind::Http:
    case CheckKind::Https:
      out["http"] = Json{{"path", spec.http.path},
                         {"host", spec.http.host},
                         {"status_min", spec.http.status_min},
                         {"status_max", spec.http.status_max},
                         {"body_contains", spec.http.body_contains},
                         {"verify_tls", spec.http.verify_tls},
                         {"read_load", spec.http.read_load}};
      break;
    case CheckKind::Dns:
      out["dns"] = Json{{"qname", spec.dns.qname},
                        {"qtype", spec.dns.qtype},
                        {"rcode", spec.dns.rcode},
                        {"expect_address", spec.dns.expect_address}};
      break;
    case CheckKind::Exec:
      out["exec"] = Json{{"argv", spec.exec.argv}, {"shell", spec.exec.shell}};
      break;
    case CheckKind::Tcp:
      break;
  }
  return out;
}

Result<CheckSpec> check_from_json(const std::string& name, const Json& json) {
  std::optional<Error> error;
  if (!json.is_object()) return json_error(name, "(body)", "is not a JSON object");
  if (!only_known(json,
                  {"kind", "target", "interval_ms", "timeout_ms", "jitter_ms", "rise", "fall",
                   "http", "dns", "exec"},
                  name, "", error)) {
    return *error;
  }
  CheckSpec spec;
  spec.name = name;
  std::string kind;
  int64_t interval = spec.interval.count(), timeout = spec.timeout.count(),
          jitter = spec.jitter.count();
  if (!read(json, "kind", kind, name, "", error) ||
      !read(json, "target", spec.target, name, "", error) ||
      !read(json, "interval_ms", interval, name, "", error) ||
      !read(json, "timeout_ms", timeout, name, "", error) ||
      !read(json, "jitter_ms", jitter, name, "", error) ||
      !read(json, "rise", spec.rise, name, "", error) ||
      !read(json, "fall", spec.fall, name, "", error)) {
    return *error;
  }
  auto parsed = parse_check_kind(kind);
  if (!parsed) return json_error(name, "kind", parsed.error().what);
  spec.kind = *parsed;
  spec.interval = std::chrono::milliseconds(interval);
  spec.timeout = std::chrono::milliseconds(timeout);
  spec.jitter = std::chrono::milliseconds(jitter);
  if (auto it = json.find("http"); it != json.end()) {
    if (!it->is_object()) return json_error(name, "http", "is not an object");
    auto& h = spec.http;
    if (!only_known(*it,
                    {"path", "host", "status_min", "status_max", "body_contains", "verify_tls",
                     "read_load"},
                    name, "http.", error) ||
        !read(*it, "path", h.path, name, "http.", error) ||
        !read(*it, "host", h.host, name, "http.", error) ||
        !read(*it, "status_min", h.status_min, name, "http.", error) ||
        !read(*it, "status_max", h.status_max, name, "http.", error) ||
        !read(*it, "body_contains", h.body_contains, name, "http.", error) ||
        !read(*it, "verify_tls", h.verify_tls, name, "http.", error) ||
        !read(*it, "read_load", h.read_load, name, "http.", error)) {
      return *error;
    }
  }
  if (auto it = json.find("dns"); it != json.end()) {
    if (!it->is_object()) return json_error(name, "dns", "is not an object");
    auto& d = spec.dns;
    if (!only_known(*it, {"qname", "qtype", "rcode", "expect_address"}, name, "dns.", error) ||
        !read(*it, "qname", d.qname, name, "dns.", error) ||
        !read(*it, "qtype", d.qtype, name, "dns.", error) ||
        !read(*it, "rcode", d.rcode, name, "dns.", error) ||
        !read(*it, "expect_address", d.expect_address, name, "dns.", error)) {
      return *error;
    }
  }
  if (auto it = json.find("exec"); it != json.end()) {
    if (!it->is_object()) return json_error(name, "exec", "is not an object");
    if (!only_known(*it, {"argv", "shell"}, name, "exec.", error) ||
        !read(*it, "argv", spec.exec.argv, name, "exec.", error) ||
        !read(*it, "shell", spec.exec.shell, name, "exec.", error)) {
      return *error;
    }
  }
  if (auto ok = validate(spec); !ok) return ok.error();
  return spec;
}

}  // namespace cdn::health
