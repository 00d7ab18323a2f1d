// common/net/endpoint.h: "host:port" endpoints (IPv4 "127.0.0.1:53", IPv6 "[::1]:53"), as the
// command lines and the config database write them, to and from socket addresses.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cdn::net {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;

  int family() const { return addr.ss_family; }
  uint16_t port() const;
  void set_port(uint16_t port);
  std::string text() const;  // "127.0.0.1:5300", "[::1]:5300"
};

// Port 0 is allowed (the kernel picks one). Numeric addresses only: no DNS at start-up.
Result<Endpoint> parse_endpoint(std::string_view text);
// The local address a socket is bound to.
Result<Endpoint> local_endpoint(int fd);

}  // namespace cdn::net
