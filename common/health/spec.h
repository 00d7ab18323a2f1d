// common/health/spec.h: what one health check is (CheckSpec), the rules a valid one obeys, and
// its JSON form in the config database. Plain values: cdnctl validates with these before it
// stores a check, and cdn-healthd runs what it reads back (healthd/check/check.h).
//   {"kind":"http","target":"127.0.0.1:80","interval_ms":2000,"timeout_ms":1000,"rise":2,
//    "fall":2,"jitter_ms":0,"http":{"path":"/health","status_min":200,"status_max":299}}
#pragma once
#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace cdn::health {

enum class CheckKind { Tcp, Http, Https, Dns, Exec };

std::string_view to_string(CheckKind kind);
Result<CheckKind> parse_check_kind(std::string_view text);  // "tcp", "http", "https", "dns", "exec"

struct HttpOptions {
  std::string path = "/";
  std::string host;  // Host header (and TLS SNI); the target address when empty
  int status_min = 200;
  int status_max = 399;
  std::string body_contains;  // empty: the body is not looked at
  bool verify_tls = true;     // https: false accepts any certificate (self-signed backends)
  // The body is a JSON object with "load" (0..1, fraction of capacity): reported with the result
  // (the edge monitor reads an edge's /status this way). A body without it is not an error.
  bool read_load = false;
};

struct DnsOptions {
  std::string qname;        // "www.example.com."
  std::string qtype = "A";  // any type name ldns knows
  std::string rcode = "NOERROR";
  std::string expect_address;  // empty: any answer; else an A/AAAA in the answer section must match
};

struct ExecOptions {
  // Without shell: argv[0] is looked up in PATH and run with argv, no shell involved.
  // With shell: argv holds exactly one string, run as /bin/sh -c STRING.
  std::vector<std::string> argv;
  bool shell = false;
};

struct CheckSpec {
  std::string name;
  CheckKind kind = CheckKind::Tcp;
  std::string target;  // "192.0.2.1:80", "[2001:db8::1]:53"; unused by exec
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds timeout{2000};
  std::chrono::milliseconds jitter{0};  // each interval is interval +/- up to jitter
  int rise = 3;                         // consecutive successes before up
  int fall = 3;                         // consecutive failures before down
  HttpOptions http;                     // kind http, https
  DnsOptions dns;                       // kind dns
  ExecOptions exec;                     // kind exec
};

// The first problem found, named by field: "check web: timeout: 3000 ms is longer than interval
// (2000 ms)".
Status validate(const CheckSpec& spec);
// Each spec, then that no name is used twice: "check web: name: used by more than one check".
Status validate(const std::vector<CheckSpec>& specs);

// The JSON form (the name is not in it: it is the object's key in the database). Decoding
// fills defaults for missing fields, refuses unknown ones and runs validate(); Error.where is
// "check NAME: FIELD".
nlohmann::json to_json(const CheckSpec& spec);
Result<CheckSpec> check_from_json(const std::string& name, const nlohmann::json& json);

}  // namespace cdn::health
