// tests/unit/healthd/servers.h: real servers on 127.0.0.1 port 0 for the check tests, each on its
// own io_context and thread (a TCP listener, HTTP/HTTPS with fixed answers or none, a DNS
// responder on UDP and TCP), a self-signed certificate made at run time, and run_probe().
#pragma once
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "healthd/check/check.h"

namespace cdn::health::testing {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using asio::ip::udp;

// An io_context running on its own thread until destruction.
class ServerThread {
 public:
  ServerThread() : work_(asio::make_work_guard(io_)) {}
  ~ServerThread() { stop(); }
  void run() {
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

inline std::string target_of(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// A port on which nothing listens: bound, then closed again.
inline uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// Accepts connections and closes them.
class TcpListener {
 public:
  TcpListener() : acceptor_(server_.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    server_.run();
  }
  ~TcpListener() { server_.stop(); }
  std::string target() const { return target_of(acceptor_.local_endpoint().port()); }

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket) {
      if (!error) accept();
    });
  }
  ServerThread server_;
  tcp::acceptor acceptor_;
};

struct Certificate {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed P-256 certificate for localhost and 127.0.0.1, valid for an hour.
inline Certificate make_self_signed() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());

  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  Certificate out{to_string(cert_bio), to_string(key_bio)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// HTTP/1.1 (or HTTPS) with one fixed answer to every request, or no answer at all (hang).
class HttpServer {
 public:
  struct Options {
    int status = 200;
    std::string body = "ok";
    bool chunked = false;
    bool hang = false;  // accept, read, never answer
    bool tls = false;
  };

  explicit HttpServer(Options options)
      : options_(std::move(options)),
        acceptor_(server_.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        context_(ssl::context::tls_server) {
    if (options_.tls) {
      auto cert = make_self_signed();
      context_.use_certificate_chain(asio::buffer(cert.cert_pem));
      context_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    }
    accept();
    server_.run();
  }
  ~HttpServer() { server_.stop(); }

  std::string target() const { return target_of(acceptor_.local_endpoint().port()); }
  std::string last_request() const {
    std::lock_guard lock(mutex_);
    return last_request_;
  }
  int requests() const { return requests_; }
  // Waits until `n` requests have arrived or `limit` passes.
  bool wait_requests(int n, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, limit, [&] { return requests_ >= n; });
  }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket s, HttpServer& o) : socket(std::move(s)), owner(o) {
      if (owner.options_.tls) tls.emplace(socket, owner.context_);
    }
    void start() {
      auto self = shared_from_this();
      if (!tls) return read();
      tls->async_handshake(ssl::stream_base::server, [self](const boost::system::error_code& e) {
        if (!e) self->read();
      });
    }
    void read() {
      auto self = shared_from_this();
      auto on_read = [self](const boost::system::error_code& e, size_t n) {
        if (e) return;
        self->request.append(self->buffer.data(), n);
        if (self->request.find("\r\n\r\n") == std::string::npos) return self->read();
        self->owner.record(self->request);
        if (self->owner.options_.hang) {
          self->owner.keep(self);  // held open, never answered
          return;
        }
        self->answer();
      };
      if (tls) {
        tls->async_read_some(asio::buffer(buffer), on_read);
      } else {
        socket.async_read_some(asio::buffer(buffer), on_read);
      }
    }
    void answer() {
      const auto& o = owner.options_;
      response = "HTTP/1.1 " + std::to_string(o.status) + " Status\r\nConnection: close\r\n";
      if (o.chunked) {
        std::string half = o.body.substr(0, o.body.size() / 2);
        std::string rest = o.body.substr(half.size());
        std::ostringstream hex1, hex2;
        hex1 << std::hex << half.size();
        hex2 << std::hex << rest.size();
        response += "Transfer-Encoding: chunked\r\n\r\n" + hex1.str() + "\r\n" + half + "\r\n" +
                    hex2.str() + "\r\n" + rest + "\r\n0\r\n\r\n";
      } else {
        response += "Content-Length: " + std::to_string(o.body.size()) + "\r\n\r\n" + o.body;
      }
      auto self = shared_from_this();
      auto on_written = [self](const boost::system::error_code&, size_t) {
        boost::system::error_code ignored;
        self->socket.shutdown(tcp::socket::shutdown_both, ignored);
        self->socket.close(ignored);
      };
      if (tls) {
        asio::async_write(*tls, asio::buffer(response), on_written);
      } else {
        asio::async_write(socket, asio::buffer(response), on_written);
      }
    }

    tcp::socket socket;
    std::optional<ssl::stream<tcp::socket&>> tls;
    HttpServer& owner;
    std::string request;
    std::string response;
    std::array<char, 4096> buffer{};
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
      if (error) return;
      std::make_shared<Session>(std::move(socket), *this)->start();
      accept();
    });
  }
  void record(const std::string& request) {
    std::lock_guard lock(mutex_);
    last_request_ = request;
    ++requests_;
    arrived_.notify_all();
  }
  void keep(std::shared_ptr<Session> session) { hung_.push_back(std::move(session)); }

  Options options_;
  ServerThread server_;
  tcp::acceptor acceptor_;
  ssl::context context_;
  mutable std::mutex mutex_;  // guards last_request_
  std::condition_variable arrived_;
  std::string last_request_;
  std::atomic<int> requests_{0};
  std::vector<std::shared_ptr<Session>> hung_;  // server thread only
};

// Answers A queries for one name with one address over UDP and TCP on the same port; NXDOMAIN for
// other names, NOERROR without answers for other types. With truncate_udp, every UDP answer is
// empty with TC set, so the full answer comes only over TCP.
class DnsResponder {
 public:
  DnsResponder(std::string name, std::array<uint8_t, 4> address, bool truncate_udp = false)
      : name_(std::move(name)),
        address_(address),
        truncate_udp_(truncate_udp),
        udp_(server_.io(), udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        acceptor_(server_.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                              udp_.local_endpoint().port())) {
    receive();
    accept();
    server_.run();
  }
  ~DnsResponder() { server_.stop(); }

  std::string target() const { return target_of(udp_.local_endpoint().port()); }
  int udp_queries() const { return udp_queries_; }
  int tcp_queries() const { return tcp_queries_; }

  // The answer to `query`; empty when it is not a query.
  std::vector<uint8_t> answer(const std::vector<uint8_t>& query, bool truncate) const {
    if (query.size() < 12) return {};
    size_t pos = 12;
    std::string qname;
    while (pos < query.size() && query[pos] != 0) {
      size_t len = query[pos];
      if (pos + 1 + len > query.size()) return {};
      for (size_t i = 0; i < len; ++i) {
        qname += static_cast<char>(std::tolower(query[pos + 1 + i]));
      }
      qname += '.';
      pos += 1 + len;
    }
    if (pos + 5 > query.size()) return {};
    uint16_t qtype = static_cast<uint16_t>((query[pos + 1] << 8) | query[pos + 2]);
    size_t question_end = pos + 5;
    bool known = qname == name_;
    bool with_answer = known && qtype == 1 && !truncate;
    std::vector<uint8_t> out(query.begin(), query.begin() + static_cast<long>(question_end));
    out[2] =
        static_cast<uint8_t>(0x84 | (query[2] & 0x01) | (truncate ? 0x02 : 0));  // QR AA (TC) RD
    out[3] = known ? 0 : 3;                                                      // NXDOMAIN
    out[4] = 0, out[5] = 1, out[6] = 0, out[7] = with_answer ? 1 : 0;
    out[8] = out[9] = out[10] = out[11] = 0;
    if (with_answer) {
      const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
      out.insert(out.end(), std::begin(rr), std::end(rr));
      out.insert(out.end(), address_.begin(), address_.end());
    }
    return out;
  }

 private:
  void receive() {
    udp_.async_receive_from(
        asio::buffer(udp_buffer_), peer_, [this](const boost::system::error_code& e, size_t n) {
          if (e) return;
          ++udp_queries_;
          std::vector<uint8_t> q(udp_buffer_.begin(), udp_buffer_.begin() + n);
          auto a = std::make_shared<std::vector<uint8_t>>(answer(q, truncate_udp_));
          if (a->empty()) return receive();
          udp_.async_send_to(asio::buffer(*a), peer_,
                             [this, a](const boost::system::error_code&, size_t) { receive(); });
        });
  }

  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(tcp::socket s, DnsResponder& o) : socket(std::move(s)), owner(o) {}
    void read() {
      auto self = shared_from_this();
      asio::async_read(
          socket, asio::buffer(length), [self](const boost::system::error_code& e, size_t) {
            if (e) return;
            self->query.resize((size_t(self->length[0]) << 8) | self->length[1]);
            asio::async_read(self->socket, asio::buffer(self->query),
                             [self](const boost::system::error_code& re, size_t) {
                               if (re) return;
                               ++self->owner.tcp_queries_;
                               auto a = self->owner.answer(self->query, false);
                               self->reply = {static_cast<uint8_t>(a.size() >> 8),
                                              static_cast<uint8_t>(a.size() & 0xff)};
                               self->reply.insert(self->reply.end(), a.begin(), a.end());
                               asio::async_write(
                                   self->socket, asio::buffer(self->reply),
                                   [self](const boost::system::error_code&, size_t) {});
                             });
          });
    }
    tcp::socket socket;
    DnsResponder& owner;
    std::array<uint8_t, 2> length{};
    std::vector<uint8_t> query;
    std::vector<uint8_t> reply;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& e, tcp::socket socket) {
      if (e) return;
      std::make_shared<Connection>(std::move(socket), *this)->read();
      accept();
    });
  }

  std::string name_;
  std::array<uint8_t, 4> address_;
  bool truncate_udp_;
  ServerThread server_;
  udp::socket udp_;
  tcp::acceptor acceptor_;
  udp::endpoint peer_;
  std::array<uint8_t, 65535> udp_buffer_{};
  std::atomic<int> udp_queries_{0};
  std::atomic<int> tcp_queries_{0};
};

// Runs one probe of `spec` on a fresh io_context. If it has not finished by `deadline`, the probe
// is cancelled (as the scheduler's timeout does) and its result, still awaited, is returned.
inline CheckResult run_probe(const CheckSpec& spec,
                             std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  asio::io_context io;
  auto check = make_check(spec, io);
  std::optional<CheckResult> result;
  check->start([&](CheckResult r) { result = std::move(r); });
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!result && std::chrono::steady_clock::now() < until) {
    io.run_one_until(until);
  }
  if (!result) {
    check->cancel();
    auto hard = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!result && std::chrono::steady_clock::now() < hard) io.run_one_until(hard);
  }
  if (!result) return CheckResult{false, "no result, even after cancel", {}, {}};
  return *result;
}

inline CheckSpec spec_for(CheckKind kind, const std::string& target) {
  CheckSpec spec;
  spec.name = "test";
  spec.kind = kind;
  spec.target = target;
  spec.interval = std::chrono::milliseconds(1000);
  spec.timeout = std::chrono::milliseconds(1000);
  return spec;
}

}  // namespace cdn::health::testing
