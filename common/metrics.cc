#include "common/metrics.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/log.h"

namespace cdn::metrics {

struct Listener::Impl {
  int fd = -1;
  int wake[2] = {-1, -1};  // a pipe that tells the thread to stop
  net::Endpoint endpoint;
  Render render;
  std::thread thread;

  void serve_one(int client) {
    // One request per connection; read until the end of the headers, 2 s at most.
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
      pollfd p{client, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0) return;
      ssize_t n = read(client, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, size_t(n));
    }
    std::string status = "200 OK", body;
    if (request.rfind("GET /metrics", 0) == 0 || request.rfind("GET / ", 0) == 0) {
      body = render();
    } else {
      status = "404 Not Found";
      body = "try GET /metrics\n";
    }
    std::string reply = "HTTP/1.0 " + status +
                        "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    size_t off = 0;
    while (off < reply.size()) {
      ssize_t n = send(client, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += size_t(n);
    }
  }

  void run() {
    while (true) {
      pollfd p[2] = {{fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (poll(p, 2, -1) < 0 && errno != EINTR) return;
      if (p[1].revents) return;
      if (p[0].revents & POLLIN) {
        int client = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        serve_one(client);
        close(client);
      }
    }
  }
};

Result<std::unique_ptr<Listener>> Listener::start(const net::Endpoint& where, Render render) {
  auto impl = std::make_unique<Impl>();
  impl->render = std::move(render);
  impl->fd = socket(where.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(impl->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(impl->fd, reinterpret_cast<const sockaddr*>(&where.addr), where.len) != 0 ||
      listen(impl->fd, 16) != 0) {
    Error e(where.text(), std::string("cannot listen for metrics: ") + std::strerror(errno));
    close(impl->fd);
    return e;
  }
  auto bound = net::local_endpoint(impl->fd);
  impl->endpoint = bound ? *bound : where;
  if (pipe2(impl->wake, O_CLOEXEC) != 0) {
    close(impl->fd);
    return Error("metrics", "pipe failed");
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), "metrics");
    raw->run();
  });
  return std::unique_ptr<Listener>(new Listener(std::move(impl)));
}

Listener::Listener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Listener::~Listener() {
  if (!impl_) return;
  char c = 1;
  [[maybe_unused]] ssize_t n = write(impl_->wake[1], &c, 1);
  if (impl_->thread.joinable()) impl_->thread.join();
  close(impl_->fd);
  close(impl_->wake[0]);
  close(impl_->wake[1]);
}

const net::Endpoint& Listener::endpoint() const { return impl_->endpoint; }

void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   uint64_t value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace cdn::metrics
