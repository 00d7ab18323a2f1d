// dns/server/tcp.h: DNS over TCP (RFC 7766) on Boost.Asio, one thread: length-prefixed
// messages, pipelined queries answered in order, an idle timeout, a connection limit.
// Asio stays inside tcp.cc.
#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "common/net/endpoint.h"
#include "common/result.h"
#include "common/snapshot.h"
#include "dns/server/counters.h"
#include "dns/server/snapshot.h"
#include "dns/steer/select.h"

namespace cdn::dns {

struct TcpOptions {
  size_t max_connections = 1000;
  std::chrono::milliseconds idle_timeout{10000};  // RFC 7766 6.2.3: some seconds
};

class TcpServer {
 public:
  // Listens on every endpoint (bound now, so errors come back here) and serves on its own thread.
  static Result<std::unique_ptr<TcpServer>> start(const std::vector<net::Endpoint>& endpoints,
                                                  const Published<Snapshot>& snapshots,
                                                  const Published<SteeringStates>& states,
                                                  QueryCounters& counters, TcpOptions options);
  ~TcpServer();  // closes every connection and joins the thread
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;
  size_t connections() const;

 private:
  struct Impl;
  explicit TcpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Binds a listening TCP socket (SO_REUSEADDR); returns the fd. Used by start() and by the port-0
// logic that needs UDP and TCP on the same port.
Result<int> bind_tcp_listener(const net::Endpoint& where);

}  // namespace cdn::dns
