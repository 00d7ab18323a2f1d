// tests/unit/common/control_test.cc: tests common/control/control.cc.
#include "common/control/control.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace {

using cdn::control::Json;

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cdn-ctl-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string socket() const { return (path / "test.sock").string(); }
};

// Echoes the request back with ok:true; {"cmd":"fail"} gets an error reply.
Json echo(const Json& request) {
  if (request.value("cmd", "") == "fail") return cdn::control::error_reply("asked to fail");
  if (request.value("cmd", "") == "throw") throw std::runtime_error("boom");
  Json reply = cdn::control::ok_reply();
  reply["echo"] = request;
  return reply;
}

// A raw client: connects, sends `data`, reads until `lines` newlines or EOF.
std::string raw_exchange(const std::string& path, const std::string& data, int lines) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close on an oversized line
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  while (std::count(out.begin(), out.end(), '\n') < lines) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace

TEST_CASE("call round-trips a request through a real server") {
  TempDir dir;
  auto server = cdn::control::Server::start(dir.socket(), echo);
  REQUIRE_MESSAGE(server.has_value(), server.error().text());
  CHECK((*server)->path() == dir.socket());
  auto reply = cdn::control::call(dir.socket(), Json{{"cmd", "reload"}, {"version", 42}});
  REQUIRE_MESSAGE(reply.has_value(), reply.error().text());
  CHECK((*reply)["ok"] == true);
  CHECK((*reply)["echo"]["version"] == 42);

  auto failed = cdn::control::call(dir.socket(), Json{{"cmd", "fail"}});
  REQUIRE(failed);
  CHECK((*failed)["ok"] == false);
  CHECK((*failed)["error"] == "asked to fail");
}

TEST_CASE("the socket has mode 0660 and is removed when the server stops") {
  TempDir dir;
  {
    auto server = cdn::control::Server::start(dir.socket(), echo);
    REQUIRE(server);
    struct stat st;
    REQUIRE(stat(dir.socket().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0660);
  }
  CHECK_FALSE(std::filesystem::exists(dir.socket()));
}

TEST_CASE("call says unreachable when nobody listens") {
  TempDir dir;
  SUBCASE("no socket file") {
    auto reply = cdn::control::call(dir.socket(), Json{{"cmd", "status"}});
    REQUIRE_FALSE(reply);
    CHECK(reply.error().where == dir.socket());
    CHECK(reply.error().what.find("unreachable") != std::string::npos);
  }
  SUBCASE("a stale socket file left by a dead server") {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, dir.socket().c_str(), sizeof addr.sun_path - 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    close(fd);  // bound, never listened: connect is refused
    auto reply = cdn::control::call(dir.socket(), Json{{"cmd", "status"}});
    REQUIRE_FALSE(reply);
    CHECK(reply.error().what.find("unreachable") != std::string::npos);
  }
}

TEST_CASE("a stale socket file is replaced when a server starts") {
  TempDir dir;
  { auto first = cdn::control::Server::start(dir.socket(), echo); }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, dir.socket().c_str(), sizeof addr.sun_path - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  close(fd);
  auto server = cdn::control::Server::start(dir.socket(), echo);
  REQUIRE(server);
  CHECK(cdn::control::call(dir.socket(), Json{{"cmd", "status"}}).has_value());
}

TEST_CASE("several lines on one connection are answered in order") {
  TempDir dir;
  auto server = cdn::control::Server::start(dir.socket(), echo);
  REQUIRE(server);
  std::string out = raw_exchange(
      dir.socket(), "{\"n\":1}\n{\"n\":2}\r\n\nnot json\n[1,2]\n{\"cmd\":\"throw\"}\n{\"n\":3}\n",
      6);
  std::vector<Json> replies;
  size_t start = 0;
  for (size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    replies.push_back(Json::parse(out.substr(start, nl - start)));
  }
  REQUIRE(replies.size() == 6);
  CHECK(replies[0]["echo"]["n"] == 1);
  CHECK(replies[1]["echo"]["n"] == 2);
  CHECK(replies[2]["error"] == "invalid JSON");
  CHECK(replies[3]["ok"] == false);
  CHECK(replies[4]["error"] == "internal error: boom");
  CHECK(replies[5]["echo"]["n"] == 3);
}

TEST_CASE("a request split across writes is answered once complete") {
  TempDir dir;
  auto server = cdn::control::Server::start(dir.socket(), echo);
  REQUIRE(server);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, dir.socket().c_str(), sizeof addr.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  for (const char* part : {"{\"cmd\":", "\"sta", "tus\"}", "\n"}) {
    REQUIRE(send(fd, part, std::strlen(part), 0) > 0);
  }
  char buf[4096];
  std::string out;
  while (out.find('\n') == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    REQUIRE(n > 0);
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  CHECK(Json::parse(out)["echo"]["cmd"] == "status");
}

TEST_CASE("a line longer than 1 MiB gets an error reply and the connection is closed") {
  TempDir dir;
  auto server = cdn::control::Server::start(dir.socket(), echo);
  REQUIRE(server);
  std::string huge = "{\"pad\":\"" + std::string((1 << 20) + 10, 'x') + "\"}\n{\"n\":1}\n";
  std::string out = raw_exchange(dir.socket(), huge, 2);
  REQUIRE(out.find('\n') != std::string::npos);
  auto reply = Json::parse(out.substr(0, out.find('\n')));
  CHECK(reply["ok"] == false);
  CHECK(reply["error"] == "request line longer than 1 MiB");
  CHECK(out.find('\n') == out.size() - 1);  // nothing after: closed
  // The server still serves new connections.
  CHECK(cdn::control::call(dir.socket(), Json{{"cmd", "status"}}).has_value());
}

TEST_CASE("call times out when the server does not answer") {
  TempDir dir;
  std::atomic<bool> release{false};
  auto server = cdn::control::Server::start(dir.socket(), [&](const Json&) {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return cdn::control::ok_reply();
  });
  REQUIRE(server);
  auto reply =
      cdn::control::call(dir.socket(), Json{{"cmd", "status"}}, std::chrono::milliseconds(100));
  release = true;
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == "no reply within 100 ms");
}

TEST_CASE("stopping the server closes connections that are still open") {
  TempDir dir;
  auto server = cdn::control::Server::start(dir.socket(), echo);
  REQUIRE(server);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, dir.socket().c_str(), sizeof addr.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(cdn::control::call(dir.socket(), Json{{"cmd", "x"}}));  // the server is serving
  server->reset();  // joins the idle connection's thread
  char c;
  CHECK(recv(fd, &c, 1, 0) == 0);
  close(fd);
}
