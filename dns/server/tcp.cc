#include "dns/server/tcp.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/log.h"
#include "dns/server/answer.h"

namespace cdn::dns {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const Published<Snapshot>& snapshots,
             const Published<SteeringStates>& states, QueryCounters& counters,
             std::chrono::milliseconds idle, std::atomic<size_t>& live)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        snapshots_(snapshots),
        states_(states),
        counters_(counters),
        idle_(idle),
        live_(live) {
    live_.fetch_add(1);
  }
  ~Connection() { live_.fetch_sub(1); }

  void start() {
    // The resolver's address, for steering answers that carry no ECS.
    socklen_t len = sizeof peer_;
    if (getpeername(socket_.native_handle(), reinterpret_cast<sockaddr*>(&peer_), &len) != 0)
      peer_ = {};
    read_length();
  }

 private:
  void arm_idle_timer() {
    timer_.expires_after(idle_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);  // RFC 7766 6.2.3: the server closes idle connections
      }
    });
  }

  void read_length() {
    arm_idle_timer();
    asio::async_read(socket_, asio::buffer(length_, 2),
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (ec) return self->close();
                       self->read_message(size_t(self->length_[0]) << 8 | self->length_[1]);
                     });
  }

  void read_message(size_t len) {
    if (len < kHeaderLength) return close();
    query_.resize(len);
    asio::async_read(socket_, asio::buffer(query_),
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (ec) return self->close();
                       self->answer();
                     });
  }

  void answer() {
    timer_.cancel();
    if (response_.empty()) response_.resize(2 + 65535);
    auto snapshot = snapshots_.get();
    // Edge states matter only to steered names: no lock taken for them otherwise.
    auto states = snapshot->steering ? states_.get() : nullptr;
    size_t len = answer_query(*snapshot, query_, {response_.data() + 2, 65535}, Transport::Tcp,
                              counters_, QueryContext{&peer_, states.get()});
    if (len == 0) return read_length();
    response_[0] = uint8_t(len >> 8);
    response_[1] = uint8_t(len);
    asio::async_write(socket_, asio::buffer(response_.data(), len + 2),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (ec) return self->close();
                        self->read_length();
                      });
  }

  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  static constexpr size_t kHeaderLength = 12;
  tcp::socket socket_;
  asio::steady_timer timer_;
  const Published<Snapshot>& snapshots_;
  const Published<SteeringStates>& states_;
  sockaddr_storage peer_{};
  QueryCounters& counters_;
  std::chrono::milliseconds idle_;
  std::atomic<size_t>& live_;
  uint8_t length_[2] = {};
  std::vector<uint8_t> query_;
  std::vector<uint8_t> response_;
};

}  // namespace

struct TcpServer::Impl {
  std::atomic<size_t> live{0};  // first: connections still count down while `io` is destroyed
  asio::io_context io{1};
  std::vector<tcp::acceptor> acceptors;
  const Published<Snapshot>* snapshots = nullptr;
  const Published<SteeringStates>* states = nullptr;
  QueryCounters* counters = nullptr;
  TcpOptions options;
  std::thread thread;

  void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (live.load() >= options.max_connections) {
          boost::system::error_code ignored;
          socket.close(ignored);  // RFC 7766 6.2.2: over the limit, refuse by closing
        } else {
          std::make_shared<Connection>(std::move(socket), *snapshots, *states, *counters,
                                       options.idle_timeout, live)
              ->start();
        }
      }
      accept(acceptor);
    });
  }
};

Result<int> bind_tcp_listener(const net::Endpoint& where) {
  int fd = socket(where.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(where.text(), std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (where.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&where.addr), where.len) != 0 ||
      listen(fd, 1024) != 0) {
    Error e(where.text(), std::string("cannot listen on TCP: ") + std::strerror(errno));
    close(fd);
    return e;
  }
  return fd;
}

Result<std::unique_ptr<TcpServer>> TcpServer::start(const std::vector<net::Endpoint>& endpoints,
                                                    const Published<Snapshot>& snapshots,
                                                    const Published<SteeringStates>& states,
                                                    QueryCounters& counters, TcpOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->snapshots = &snapshots;
  impl->states = &states;
  impl->counters = &counters;
  impl->options = options;
  for (const auto& ep : endpoints) {
    auto fd = bind_tcp_listener(ep);
    if (!fd) return fd.error();
    auto protocol = ep.family() == AF_INET6 ? tcp::v6() : tcp::v4();
    impl->acceptors.emplace_back(impl->io, protocol, *fd);
  }
  for (auto& acceptor : impl->acceptors) impl->accept(acceptor);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), "dnsd/tcp");
    raw->io.run();
  });
  return std::unique_ptr<TcpServer>(new TcpServer(std::move(impl)));
}

TcpServer::TcpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TcpServer::~TcpServer() {
  if (!impl_) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

size_t TcpServer::connections() const { return impl_->live.load(); }

}  // namespace cdn::dns
