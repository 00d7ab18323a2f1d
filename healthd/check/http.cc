// healthd/check/http.cc: one HTTP/1.1 GET over TCP or TLS (OpenSSL through Asio's ssl stream).
// Up when the status is in the spec's range and, if asked, the body contains a given string.
// "Connection: close" is sent; the response is read until it is complete (Content-Length, the
// last chunk, or the end of the connection) or kMaxResponse bytes have arrived.
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "healthd/check/kinds.h"

namespace cdn::health {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

constexpr size_t kMaxResponse = size_t{64} * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of header `name` (lower case) in `head`, or nullopt.
std::optional<std::string> header(std::string_view head, std::string_view name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && lower(line.substr(0, colon)) == name) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      return std::string(value);
    }
    pos = end;
  }
  return std::nullopt;
}

// RFC 9112 7.1: the chunked body decoded; nullopt while the last chunk has not arrived.
std::optional<std::string> dechunk(std::string_view body, bool allow_partial) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    size_t size = 0;
    size_t i = pos;
    for (; i < eol && std::isxdigit(static_cast<unsigned char>(body[i])); ++i) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(body[i])));
      size = size * 16 + static_cast<size_t>(c <= '9' ? c - '0' : c - 'a' + 10);
      if (size > kMaxResponse) return allow_partial ? std::optional(out) : std::nullopt;
    }
    if (i == pos) break;
    if (size == 0) return out;
    if (eol + 2 + size > body.size()) {
      out.append(body.substr(eol + 2));
      break;
    }
    out.append(body.substr(eol + 2, size));
    pos = eol + 2 + size + 2;
  }
  return allow_partial ? std::optional(out) : std::nullopt;
}

struct Parsed {
  int status = 0;
  std::string body;
};

// The response in `data` once it is complete, or when `at_end` (no more bytes will come).
// Sets `malformed` for something that is not HTTP/1.x.
std::optional<Parsed> parse_response(std::string_view data, bool at_end, bool& malformed) {
  malformed = false;
  size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (at_end) malformed = true;
    return std::nullopt;
  }
  std::string_view head = data.substr(0, head_end);
  // "HTTP/1.1 200 OK"
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1." || head[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(head[9])) ||
      !std::isdigit(static_cast<unsigned char>(head[10])) ||
      !std::isdigit(static_cast<unsigned char>(head[11]))) {
    malformed = true;
    return std::nullopt;
  }
  Parsed out;
  out.status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  std::string_view body = data.substr(head_end + 4);
  if (auto te = header(head, "transfer-encoding");
      te && lower(*te).find("chunked") != std::string::npos) {
    auto decoded = dechunk(body, at_end);
    if (!decoded) return std::nullopt;
    out.body = std::move(*decoded);
    return out;
  }
  if (auto length = header(head, "content-length")) {
    size_t n = 0;
    for (char c : *length) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        malformed = true;
        return std::nullopt;
      }
      n = n * 10 + static_cast<size_t>(c - '0');
      if (n > (size_t(1) << 40)) break;
    }
    if (body.size() < n && !at_end) return std::nullopt;
    out.body = std::string(body.substr(0, n));
    return out;
  }
  if (out.status / 100 == 1 || out.status == 204 || out.status == 304) return out;
  if (!at_end) return std::nullopt;
  out.body = std::string(body);
  return out;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

// What every probe of one check shares; probes hold it, so they may outlive the Check.
struct Settings {
  tcp::endpoint endpoint;
  HttpOptions options;
  bool tls = false;
  std::string tls_name;  // SNI and certificate name: the Host header without its port
  std::string request;
};

struct Probe : std::enable_shared_from_this<Probe> {
  Probe(asio::io_context& io, std::shared_ptr<ssl::context> c, Check::Done d,
        std::shared_ptr<const Settings> s)
      : socket(io), context(std::move(c)), done(std::move(d)), settings(std::move(s)) {
    if (settings->tls) stream.emplace(socket, *context);
  }

  void run() {
    auto self = shared_from_this();
    socket.async_connect(settings->endpoint, [self](const boost::system::error_code& error) {
      if (error) return self->finish(false, describe(error));
      if (!self->stream) return self->send();
      if (!self->prepare_tls()) return;
      self->stream->async_handshake(ssl::stream_base::client,
                                    [self](const boost::system::error_code& e) {
                                      if (e)
                                        return self->finish(false, "tls handshake: " + describe(e));
                                      self->send();
                                    });
    });
  }

  bool prepare_tls() {
    SSL* handle = stream->native_handle();
    const std::string& name = settings->tls_name;
    if (!is_ip_literal(name)) SSL_set_tlsext_host_name(handle, name.c_str());
    if (settings->options.verify_tls) {
      X509_VERIFY_PARAM* param = SSL_get0_param(handle);
      int ok = is_ip_literal(name) ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                                   : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      if (ok != 1) {
        finish(false, "tls: cannot check the certificate for '" + name + "'");
        return false;
      }
    }
    return true;
  }

  void send() {
    auto self = shared_from_this();
    auto on_written = [self](const boost::system::error_code& error, size_t) {
      if (error) return self->finish(false, "send: " + describe(error));
      self->receive();
    };
    if (stream) {
      asio::async_write(*stream, asio::buffer(settings->request), on_written);
    } else {
      asio::async_write(socket, asio::buffer(settings->request), on_written);
    }
  }

  void receive() {
    auto self = shared_from_this();
    auto on_read = [self](const boost::system::error_code& error, size_t n) {
      self->response.append(self->chunk.data(), n);
      bool at_end = self->response.size() >= kMaxResponse;
      if (error) {
        bool closed = error == asio::error::eof || error == ssl::error::stream_truncated;
        if (!closed) return self->finish(false, "receive: " + describe(error));
        at_end = true;
      }
      self->evaluate(at_end);
    };
    if (stream) {
      stream->async_read_some(asio::buffer(chunk), on_read);
    } else {
      socket.async_read_some(asio::buffer(chunk), on_read);
    }
  }

  void evaluate(bool at_end) {
    bool malformed = false;
    auto parsed = parse_response(response, at_end, malformed);
    if (malformed) return finish(false, "malformed response");
    if (!parsed) {
      if (at_end) return finish(false, "incomplete response");
      return receive();
    }
    const auto& o = settings->options;
    std::string status = "status " + std::to_string(parsed->status);
    if (parsed->status < o.status_min || parsed->status > o.status_max) {
      return finish(false, status + " (expected " + std::to_string(o.status_min) + "-" +
                               std::to_string(o.status_max) + ")");
    }
    if (!o.body_contains.empty() && parsed->body.find(o.body_contains) == std::string::npos) {
      return finish(false, status + ", body does not contain '" + o.body_contains + "'");
    }
    std::optional<double> load;
    if (o.read_load) {
      auto body = nlohmann::json::parse(parsed->body, nullptr, false);
      if (body.is_object()) {
        auto it = body.find("load");
        if (it != body.end() && it->is_number() && it->get<double>() >= 0) {
          load = std::min(1.0, it->get<double>());
          status += ", load " + it->dump();
        }
      }
    }
    finish(true, status, load);
  }

  void finish(bool up, std::string reason, std::optional<double> load = std::nullopt) {
    boost::system::error_code ignored;
    socket.close(ignored);
    if (done) {
      auto d = std::move(done);
      done = nullptr;
      d(CheckResult{up, std::move(reason), {}, load});
    }
  }

  tcp::socket socket;
  std::shared_ptr<ssl::context> context;
  std::optional<ssl::stream<tcp::socket&>> stream;  // https only, over `socket`
  Check::Done done;
  std::shared_ptr<const Settings> settings;
  std::string response;
  std::array<char, 4096> chunk{};
};

class HttpCheck final : public Check {
 public:
  HttpCheck(const CheckSpec& spec, asio::io_context& io)
      : io_(io), context_(std::make_shared<ssl::context>(ssl::context::tls_client)) {
    auto s = std::make_shared<Settings>();
    s->endpoint = to_asio<tcp::endpoint>(spec.target);
    s->options = spec.http;
    s->tls = spec.kind == CheckKind::Https;
    std::string host = spec.http.host.empty() ? spec.target : spec.http.host;
    s->tls_name = host;
    if (!host.empty() && host.front() == '[') {
      s->tls_name = host.substr(1, host.find(']') - 1);
    } else if (auto colon = host.rfind(':');
               colon != std::string::npos && host.find(':') == colon) {
      s->tls_name.resize(colon);
    }
    if (s->tls) {
      if (s->options.verify_tls) {
        boost::system::error_code ignored;
        context_->set_default_verify_paths(ignored);
        context_->set_verify_mode(ssl::verify_peer);
      } else {
        context_->set_verify_mode(ssl::verify_none);
      }
    }
    s->request = "GET " + s->options.path + " HTTP/1.1\r\nHost: " + host +
                 "\r\nUser-Agent: cdn-healthd\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    settings_ = std::move(s);
  }
  ~HttpCheck() override { cancel(); }

  void start(Done done) override {
    auto probe = std::make_shared<Probe>(io_, context_, std::move(done), settings_);
    current_ = probe;
    probe->run();
  }

  void cancel() override {
    if (auto probe = current_.lock()) {
      boost::system::error_code ignored;
      probe->socket.close(ignored);
    }
  }

 private:
  asio::io_context& io_;
  std::shared_ptr<ssl::context> context_;
  std::shared_ptr<const Settings> settings_;
  std::weak_ptr<Probe> current_;  // the probe in flight, owned by its handlers
};

}  // namespace

std::unique_ptr<Check> make_http_check(const CheckSpec& spec, asio::io_context& io) {
  return std::make_unique<HttpCheck>(spec, io);
}

}  // namespace cdn::health
