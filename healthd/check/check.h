// healthd/check/check.h: what one health check is (CheckSpec), what one probe found (CheckResult),
// and the Check interface that runs one probe at a time on an Asio io_context.
//
// DOC: Each kind lives in its own file: tcp.cc (connect), http.cc (HTTP/1.1 over TCP or TLS,
// OpenSSL), dns.cc (one query built and parsed by ldns; UDP, again over TCP when truncated) and
// exec.cc (a child process in its own process group; exit code 0 is up). A Check never enforces
// its own timeout: the scheduler (healthd/scheduler.h) arms a timer per probe and calls cancel(),
// so one rule covers every kind. Asio itself stays in the .cc files; this header only names the
// io_context.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace boost::asio {
class io_context;
}

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

struct CheckResult {
  bool up = false;
  std::string reason;  // "connect refused", "status 503", "rcode SERVFAIL", "exit code 1"
  std::chrono::microseconds latency{0};
};

class Check {
 public:
  using Done = std::function<void(CheckResult)>;

  virtual ~Check() = default;
  // Starts one probe. `done` is called exactly once, from the io_context, also after cancel().
  virtual void start(Done done) = 0;
  // Ends the probe in flight at once (closes its sockets, kills its process group).
  virtual void cancel() = 0;
};

// The spec must have passed validate(). The io_context must outlive the Check.
std::unique_ptr<Check> make_check(const CheckSpec& spec, boost::asio::io_context& io);

}  // namespace cdn::health
