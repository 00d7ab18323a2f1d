// healthd/check/kinds.h: the per-kind parts behind check.h, one file each. Included only by the
// files in healthd/check/, so Asio stays out of every header the rest of healthd includes.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstring>
#include <memory>
#include <string>

#include "common/net/endpoint.h"
#include "healthd/check/check.h"

namespace cdn::health {

std::unique_ptr<Check> make_tcp_check(const CheckSpec& spec, boost::asio::io_context& io);
std::unique_ptr<Check> make_http_check(const CheckSpec& spec, boost::asio::io_context& io);
std::unique_ptr<Check> make_dns_check(const CheckSpec& spec, boost::asio::io_context& io);
std::unique_ptr<Check> make_exec_check(const CheckSpec& spec, boost::asio::io_context& io);

// A validated "host:port" target as an Asio endpoint.
template <class Endpoint>
Endpoint to_asio(const std::string& target) {
  auto parsed = net::parse_endpoint(target);
  Endpoint out;
  if (!parsed) return out;
  std::memcpy(out.data(), &parsed->addr, parsed->len);
  out.resize(parsed->len);
  return out;
}

// "connect refused", "timed out": the error text without Asio's category prefix, lower case.
std::string describe(const boost::system::error_code& error);

}  // namespace cdn::health
