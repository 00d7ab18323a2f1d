// healthd/check/check.cc: kind names, spec validation and the factory over the kinds.
#include "healthd/check/check.h"

#include <cctype>
#include <set>
#include <string>

#include "common/net/endpoint.h"
#include "healthd/check/kinds.h"

namespace cdn::health {
namespace {

Error field_error(const CheckSpec& spec, const std::string& field, const std::string& what) {
  return Error("check " + (spec.name.empty() ? std::string("(unnamed)") : spec.name) + ": " + field,
               what);
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

std::string_view to_string(CheckKind kind) {
  switch (kind) {
    case CheckKind::Tcp:
      return "tcp";
    case CheckKind::Http:
      return "http";
    case CheckKind::Https:
      return "https";
    case CheckKind::Dns:
      return "dns";
    case CheckKind::Exec:
      return "exec";
  }
  return "?";
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
