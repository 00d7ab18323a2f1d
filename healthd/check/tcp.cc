// healthd/check/tcp.cc: a TCP connect to the target; connected is up. The connection is closed
// again at once, without sending anything.
#include <memory>

#include "healthd/check/kinds.h"

namespace cdn::health {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

class TcpCheck final : public Check {
 public:
  TcpCheck(const CheckSpec& spec, asio::io_context& io)
      : io_(io), endpoint_(to_asio<tcp::endpoint>(spec.target)) {}
  ~TcpCheck() override { cancel(); }

  void start(Done done) override {
    auto probe = std::make_shared<Probe>(io_, std::move(done));
    current_ = probe;
    probe->socket.async_connect(endpoint_, [probe](const boost::system::error_code& error) {
      boost::system::error_code ignored;
      probe->socket.close(ignored);
      if (error) {
        probe->done(CheckResult{false, describe(error), {}, {}});
      } else {
        probe->done(CheckResult{true, "connected", {}, {}});
      }
    });
  }

  void cancel() override {
    if (auto probe = current_.lock()) {
      boost::system::error_code ignored;
      probe->socket.close(ignored);
    }
  }

 private:
  struct Probe {
    Probe(asio::io_context& io, Done d) : socket(io), done(std::move(d)) {}
    tcp::socket socket;
    Done done;
  };

  asio::io_context& io_;
  tcp::endpoint endpoint_;
  std::weak_ptr<Probe> current_;  // the probe in flight, owned by its handlers
};

}  // namespace

std::unique_ptr<Check> make_tcp_check(const CheckSpec& spec, asio::io_context& io) {
  return std::make_unique<TcpCheck>(spec, io);
}

}  // namespace cdn::health
