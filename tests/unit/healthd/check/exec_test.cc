// tests/unit/healthd/check/exec_test.cc: tests healthd/check/exec.cc with real commands
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/unit/healthd/servers.h"

namespace cdn::health {
namespace {

using namespace std::chrono_literals;
using namespace testing;

CheckSpec exec_spec(std::vector<std::string> argv, bool shell = false) {
  auto spec = spec_for(CheckKind::Exec, "");
  spec.exec.argv = std::move(argv);
  spec.exec.shell = shell;
  return spec;
}

// True when `pid` is gone or a zombie, waiting at most `limit` for it.
bool ends_within(pid_t pid, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z')
      return true;
    std::this_thread::yield();
  }
  return false;
}

TEST_CASE("exit code 0 is up and any other exit code is down, with the code as reason") {
  auto up = run_probe(exec_spec({"/bin/true"}));
  CHECK(up.up);
  CHECK(up.reason == "exit code 0");
  auto down = run_probe(exec_spec({"/bin/false"}));
  CHECK_FALSE(down.up);
  CHECK(down.reason == "exit code 1");
}

TEST_CASE("commands are found in PATH and get their arguments without a shell") {
  // Without a shell, '$HOME' is a literal file name that does not exist.
  auto result = run_probe(exec_spec({"test", "-e", "$HOME"}));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "exit code 1");
  CHECK(run_probe(exec_spec({"test", "-d", "/"})).up);
}

TEST_CASE("with shell: true the command line is run by /bin/sh") {
  auto result = run_probe(exec_spec({"test -d / && exit 3"}, true));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "exit code 3");
}

TEST_CASE("the command inherits no descriptor beyond stdin, stdout and stderr") {
  int fd = ::open("/dev/null", O_RDONLY);  // without O_CLOEXEC, as Asio opens its sockets
  REQUIRE(fd > 2);
  auto result = run_probe(exec_spec({"test ! -e /proc/$$/fd/" + std::to_string(fd)}, true));
  ::close(fd);
  CHECK(result.up);
  CHECK(result.reason == "exit code 0");
}

TEST_CASE("a command that cannot be started is down with the reason") {
  auto result = run_probe(exec_spec({"/nonexistent/healthd-check"}));
  CHECK_FALSE(result.up);
  CHECK(result.reason == "cannot run /nonexistent/healthd-check: No such file or directory");
}

TEST_CASE("cancelling kills the whole process group, background children too") {
  auto pid_file = std::filesystem::temp_directory_path() /
                  ("healthd-exec-" + std::to_string(::getpid()) + ".pid");
  std::filesystem::remove(pid_file);
  // The shell starts a background sleep, records its pid, and waits.
  auto spec = exec_spec({"sleep 30 & echo $! > " + pid_file.string() + "; wait"}, true);
  auto started = std::chrono::steady_clock::now();
  auto result = run_probe(spec, 800ms);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK_FALSE(result.up);
  CHECK(result.reason == "killed after timeout");
  CHECK(took < 5s);

  std::ifstream in(pid_file);
  pid_t child = 0;
  in >> child;
  REQUIRE(child > 0);
  CHECK(ends_within(child, 5000ms));
  std::filesystem::remove(pid_file);
}

}  // namespace
}  // namespace cdn::health
