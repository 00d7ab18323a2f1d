// healthd/check/check.cc: the factory over the check kinds and their shared error texts.
#include "healthd/check/check.h"

#include <string>

#include "healthd/check/kinds.h"

namespace cdn::health {

std::unique_ptr<Check> make_check(const CheckSpec& spec, boost::asio::io_context& io) {
  switch (spec.kind) {
    case CheckKind::Tcp:
      return make_tcp_check(spec, io);
    case CheckKind::Http:
    case CheckKind::Https:
      return make_http_check(spec, io);
    case CheckKind::Dns:
      return make_dns_check(spec, io);
    case CheckKind::Exec:
      return make_exec_check(spec, io);
  }
  return nullptr;
}

std::string describe(const boost::system::error_code& error) {
  namespace err = boost::asio::error;
  if (error == err::connection_refused) return "connect refused";
  if (error == err::connection_reset) return "connection reset";
  if (error == err::timed_out) return "timed out";
  if (error == err::host_unreachable) return "host unreachable";
  if (error == err::network_unreachable) return "network unreachable";
  if (error == err::eof) return "connection closed early";
  if (error == err::operation_aborted) return "cancelled";
  std::string text = error.message();
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace cdn::health
