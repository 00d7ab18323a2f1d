// DOC: the control protocol on a Unix stream socket.
// Server: one accept thread ("ctl/accept") and one thread per connection ("ctl/conn"). Each
// connection reads bytes into a buffer, answers every complete line in order, and keeps the rest
// for the next read, so requests may arrive split or several to a packet. A line longer than
// kMaxLine gets an error reply and the connection is closed (there is no way to find the next
// request boundary without reading the whole line). Threads wait in poll() on their socket and
// on a shared stop pipe, so the destructor wakes every one of them, then joins them.
// Client: call() connects, writes one line and reads one line, all within one deadline.
#include "common/control/control.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/log.h"

namespace cdn::control {
namespace {

constexpr size_t kMaxLine = 1 << 20;  // 1 MiB

std::string errno_text(int err) { return std::strerror(err); }

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

bool make_address(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

// Writes all of `data`; false when the peer is gone or `stop_fd` becomes readable.
// MSG_NOSIGNAL: a closed peer is an error value, not a SIGPIPE.
bool send_all(int fd, std::string_view data, int stop_fd = -1) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p[2] = {{fd, POLLOUT, 0}, {stop_fd, POLLIN, 0}};
        if (::poll(p, stop_fd >= 0 ? 2 : 1, 1000) > 0 && p[1].revents) return false;
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string reply_line(const Json& reply) {
  // Invalid UTF-8 in a handler's strings must not end the connection: replace it.
  return reply.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Json answer(const Handler& handler, std::string_view line) {
  Json request = Json::parse(line, nullptr, false);
  if (request.is_discarded()) return error_reply("invalid JSON");
  if (!request.is_object()) return error_reply("a request must be a JSON object");
  try {
    Json reply = handler(request);
    if (!reply.is_object()) return error_reply("internal error: reply is not an object");
    return reply;
  } catch (const std::exception& e) {
    log::error("control.handler_failed", {{"error", e.what()}});
    return error_reply(std::string("internal error: ") + e.what());
  }
}

}  // namespace

struct Server::Impl {
  std::string path;
  Handler handler;
  Fd listener;
  Fd stop_read;  // readable once the server stops
  Fd stop_write;
  std::thread accept_thread;

  struct Connection {
    Fd fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex connections_mutex;  // guards connections
  std::list<Connection> connections;

  void accept_loop();
  void serve(Connection& c);
  void reap_finished();
};

void Server::Impl::reap_finished() {
  std::lock_guard lock(connections_mutex);
  for (auto it = connections.begin(); it != connections.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = connections.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::Impl::accept_loop() {
  pthread_setname_np(pthread_self(), "ctl/accept");
  for (;;) {
    pollfd fds[2] = {{listener.get(), POLLIN, 0}, {stop_read.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) {
      log::error("control.poll_failed", {{"socket", path}, {"error", errno_text(errno)}});
      return;
    }
    if (fds[1].revents) return;
    reap_finished();
    if (n <= 0 || !(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        log::warn("control.accept_failed", {{"socket", path}, {"error", errno_text(errno)}});
      }
      continue;
    }
    std::lock_guard lock(connections_mutex);
    auto& c = connections.emplace_back();
    c.fd = Fd(fd);
    c.thread = std::thread([this, &c] { serve(c); });
  }
}

void Server::Impl::serve(Connection& c) {
  pthread_setname_np(pthread_self(), "ctl/conn");
  std::string buffer;
  char chunk[64 * 1024];
  bool open = true;
  while (open) {
    pollfd fds[2] = {{c.fd.get(), POLLIN, 0}, {stop_read.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    ssize_t got = ::recv(c.fd.get(), chunk, sizeof chunk, 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      break;
    }
    if (got == 0) break;  // peer closed; a last line without '\n' is not a request
    size_t scan_from = buffer.size();
    buffer.append(chunk, static_cast<size_t>(got));
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', scan_from)) != std::string::npos; scan_from = nl + 1) {
      std::string_view line(buffer.data() + start, nl - start);
      start = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      if (line.size() > kMaxLine) {
        send_all(c.fd.get(), reply_line(error_reply("request line longer than 1 MiB")),
                 stop_read.get());
        log::warn("control.line_too_long", {{"socket", path}, {"bytes", uint64_t{line.size()}}});
        open = false;
        break;
      }
      if (!send_all(c.fd.get(), reply_line(answer(handler, line)), stop_read.get())) {
        open = false;
        break;
      }
    }
    buffer.erase(0, start);
    if (open && buffer.size() > kMaxLine) {
      send_all(c.fd.get(), reply_line(error_reply("request line longer than 1 MiB")),
               stop_read.get());
      log::warn("control.line_too_long", {{"socket", path}, {"bytes", uint64_t{buffer.size()}}});
      break;
    }
  }
  ::shutdown(c.fd.get(), SHUT_RDWR);
  c.done.store(true);
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  if (!impl_) return;
  char byte = 0;
  (void)!::write(impl_->stop_write.get(), &byte, 1);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  // The accept thread is gone, so nobody adds connections any more.
  for (auto& c : impl_->connections) {
    if (c.thread.joinable()) c.thread.join();
  }
  impl_->connections.clear();
  ::unlink(impl_->path.c_str());
}

const std::string& Server::path() const { return impl_->path; }

Result<std::unique_ptr<Server>> Server::start(const std::string& socket_path, Handler handler) {
  sockaddr_un addr;
  if (!make_address(socket_path, addr)) {
    return Error(socket_path, "socket path is empty or longer than " +
                                  std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = socket_path;
  impl->handler = std::move(handler);
  impl->listener = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (impl->listener.get() < 0) return Error(socket_path, "socket: " + errno_text(errno));

  struct stat st;
  if (::lstat(socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error(socket_path, "exists and is not a socket");
    ::unlink(socket_path.c_str());
  }
  if (::bind(impl->listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Error(socket_path, "bind: " + errno_text(errno));
  }
  if (::chmod(socket_path.c_str(), 0660) != 0 || ::listen(impl->listener.get(), 64) != 0) {
    Error e(socket_path, "listen: " + errno_text(errno));
    ::unlink(socket_path.c_str());
    return e;
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::unlink(socket_path.c_str());
    return Error(socket_path, "pipe: " + errno_text(errno));
  }
  impl->stop_read = Fd(pipe_fds[0]);
  impl->stop_write = Fd(pipe_fds[1]);
  Impl* raw = impl.get();
  impl->accept_thread = std::thread([raw] { raw->accept_loop(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<Json> call(const std::string& socket_path, const Json& request,
                  std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };

  sockaddr_un addr;
  if (!make_address(socket_path, addr)) {
    return Error(socket_path, "unreachable: socket path is empty or too long");
  }
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Error(socket_path, "socket: " + errno_text(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == EINPROGRESS || errno == EAGAIN) {
      // A full backlog: wait for the server to accept.
      pollfd p{fd.get(), POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, remaining_ms()) <= 0 ||
          ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        return Error(socket_path, "unreachable: connect timed out");
      }
    } else {
      return Error(socket_path, "unreachable: " + errno_text(errno));
    }
  }
  if (!send_all(fd.get(), reply_line(request))) {
    return Error(socket_path, "unreachable: " + errno_text(errno));
  }

  std::string buffer;
  char chunk[64 * 1024];
  for (;;) {
    if (auto nl = buffer.find('\n'); nl != std::string::npos) {
      Json reply = Json::parse(std::string_view(buffer).substr(0, nl), nullptr, false);
      if (reply.is_discarded() || !reply.is_object()) {
        return Error(socket_path, "reply is not a JSON object");
      }
      return reply;
    }
    if (buffer.size() > kMaxLine) return Error(socket_path, "reply line longer than 1 MiB");
    int left = remaining_ms();
    pollfd p{fd.get(), POLLIN, 0};
    int n = left > 0 ? ::poll(&p, 1, left) : 0;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error(socket_path, "no reply within " + std::to_string(timeout.count()) + " ms");
    }
    ssize_t got = ::recv(fd.get(), chunk, sizeof chunk, 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Error(socket_path, "read: " + errno_text(errno));
    }
    if (got == 0) return Error(socket_path, "connection closed before a reply");
    buffer.append(chunk, static_cast<size_t>(got));
  }
}

Json ok_reply() { return Json{{"ok", true}}; }

Json error_reply(const std::string& message) { return Json{{"ok", false}, {"error", message}}; }

std::optional<std::string> refusal(const Json& reply) {
  auto ok = reply.find("ok");
  if (ok != reply.end() && ok->is_boolean() && ok->get<bool>()) return std::nullopt;
  auto error = reply.find("error");
  return error != reply.end() && error->is_string() ? error->get<std::string>()
                                                    : std::string("refused without a reason");
}

Handler dispatch(std::string daemon, std::vector<Command> commands) {
  auto table = std::make_shared<const std::vector<Command>>(std::move(commands));
  return [daemon = std::move(daemon), table](const Json& request) -> Json {
    auto cmd = request.find("cmd");
    std::string name = cmd != request.end() && cmd->is_string() ? cmd->get<std::string>() : "";
    for (const auto& c : *table) {
      if (c.name == name) return c.handler(request);
    }
    if (name == "help") {
      Json list = Json::array();
      for (const auto& c : *table) list.push_back(Json{{"name", c.name}, {"help", c.help}});
      Json reply = ok_reply();
      reply["daemon"] = daemon;
      reply["commands"] = std::move(list);
      return reply;
    }
    std::string names;
    for (const auto& c : *table) names += (names.empty() ? "" : ", ") + c.name;
    std::string what = cmd == request.end() ? std::string("a request needs \"cmd\"")
                       : name.empty()       ? std::string("\"cmd\" must be a non-empty string")
                                            : "unknown command '" + name + "'";
    return error_reply(what + " (" + daemon + " takes: " + names + ", help)");
  };
}

}  // namespace cdn::control
