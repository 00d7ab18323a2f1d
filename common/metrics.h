// common/metrics.h: the Prometheus text endpoint every daemon serves (GET /metrics).
// A small blocking listener on its own thread: scrapes are rare, so it takes no part in any
// data path. The daemon supplies the page; counters stay in the daemon's own per-thread blocks.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "common/net/endpoint.h"
#include "common/result.h"

namespace cdn::metrics {

class Listener {
 public:
  using Render = std::function<std::string()>;
  static Result<std::unique_ptr<Listener>> start(const net::Endpoint& where, Render render);
  ~Listener();  // stops and joins
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  const net::Endpoint& endpoint() const;

 private:
  struct Impl;
  explicit Listener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Appends one sample line: name{labels} value.
void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   uint64_t value);
// Appends "# HELP" and "# TYPE" lines.
void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help);

}  // namespace cdn::metrics
