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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/health/spec.h"
#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace cdn::health {

struct CheckResult {
  bool up = false;
  std::string reason;  // "connect refused", "status 503", "rcode SERVFAIL", "exit code 1"
  std::chrono::microseconds latency{0};
  std::optional<double> load;  // http with read_load: the body's "load", when it had one
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
