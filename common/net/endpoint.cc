#include "common/net/endpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace cdn::net {

uint16_t Endpoint::port() const {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
}

void Endpoint::set_port(uint16_t port) {
  if (addr.ss_family == AF_INET)
    reinterpret_cast<sockaddr_in&>(addr).sin_port = htons(port);
  else
    reinterpret_cast<sockaddr_in6&>(addr).sin6_port = htons(port);
}

std::string Endpoint::text() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(port());
  }
  inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, host, sizeof host);
  return "[" + std::string(host) + "]:" + std::to_string(port());
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view host, port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Error(std::string(text), "expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      return Error(std::string(text), "expected ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    return Error(std::string(text), "bad port '" + std::string(port_text) + "'");
  Endpoint ep;
  std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ep.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ep.addr);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    ep.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    ep.len = sizeof(sockaddr_in6);
  } else {
    return Error(std::string(text), "bad IP address '" + h + "'");
  }
  ep.set_port(uint16_t(port));
  return ep;
}

Result<Endpoint> local_endpoint(int fd) {
  Endpoint ep;
  ep.len = sizeof ep.addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ep.addr), &ep.len) != 0)
    return Error("getsockname", std::strerror(errno));
  return ep;
}

}  // namespace cdn::net
