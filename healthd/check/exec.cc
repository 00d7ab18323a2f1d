// healthd/check/exec.cc: runs a command; exit code 0 is up. No shell unless the spec asks for one.
// The child gets its own process group, so a timeout kills everything it started (a shell's
// children too). Its exit is awaited through a pidfd on the io_context: no SIGCHLD handler, no
// thread per child. stdin, stdout and stderr are /dev/null; no other descriptor is inherited.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "healthd/check/kinds.h"

extern char** environ;

namespace cdn::health {
namespace {

namespace asio = boost::asio;

std::string describe_status(int status) {
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    return code == 0 ? "exit code 0" : "exit code " + std::to_string(code);
  }
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

class ExecCheck final : public Check {
 public:
  ExecCheck(const CheckSpec& spec, asio::io_context& io) : io_(io), options_(spec.exec) {}
  ~ExecCheck() override { cancel(); }

  void start(Done done) override {
    auto probe = std::make_shared<Probe>(io_, std::move(done));
    current_ = probe;
    if (auto error = probe->spawn(options_); !error.empty()) {
      asio::post(io_, [probe, error] { probe->done(CheckResult{false, error, {}, {}}); });
      return;
    }
    probe->pidfd.async_wait(asio::posix::stream_descriptor::wait_read,
                            [probe](const boost::system::error_code&) { probe->reap(); });
  }

  void cancel() override {
    if (auto probe = current_.lock()) probe->kill();
  }

 private:
  struct Probe {
    Probe(asio::io_context& io, Done d) : pidfd(io), done(std::move(d)) {}
    ~Probe() {
      // Reached with a live child only when the io_context is torn down mid-probe.
      if (pid > 0) {
        kill();
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
    }

    // Returns "" or what went wrong.
    std::string spawn(const ExecOptions& options) {
      std::vector<std::string> args;
      if (options.shell) {
        args = {"/bin/sh", "-c", options.argv.at(0)};
      } else {
        args = options.argv;
      }
      std::vector<char*> argv;
      argv.reserve(args.size() + 1);
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);

      posix_spawnattr_t attr;
      posix_spawn_file_actions_t actions;
      posix_spawnattr_init(&attr);
      posix_spawn_file_actions_init(&actions);
      // Its own process group (pgid = its pid) and default signal handling.
      posix_spawnattr_setpgroup(&attr, 0);
      sigset_t all;
      sigfillset(&all);
      posix_spawnattr_setsigdefault(&attr, &all);
      sigset_t none;
      sigemptyset(&none);
      posix_spawnattr_setsigmask(&attr, &none);
      posix_spawnattr_setflags(
          &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
      for (int fd = 0; fd <= 2; ++fd) {
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY,
                                         0);
      }
      // Asio opens its sockets without FD_CLOEXEC: a child must not hold the daemon's sockets
      // (a hung check would keep a listener or the control connection open).
      posix_spawn_file_actions_addclosefrom_np(&actions, 3);
      pid_t child = -1;
      int rc = posix_spawnp(&child, argv[0], &actions, &attr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      posix_spawnattr_destroy(&attr);
      if (rc != 0) return "cannot run " + args[0] + ": " + std::strerror(rc);
      pid = child;

      int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
      if (fd < 0) {
        std::string error = std::string("pidfd_open: ") + std::strerror(errno);
        kill();
        int status = 0;
        waitpid(pid, &status, 0);
        pid = -1;
        return error;
      }
      pidfd.assign(fd);
      return "";
    }

    void kill() {
      if (pid > 0) {
        killed = true;
        ::kill(-pid, SIGKILL);
      }
    }

    void reap() {
      int status = 0;
      pid_t r = -1;
      do {
        r = waitpid(pid, &status, 0);  // the pidfd is readable: the child has ended
      } while (r < 0 && errno == EINTR);
      pid = -1;
      boost::system::error_code ignored;
      pidfd.close(ignored);
      if (r < 0) {
        done(CheckResult{false, std::string("waitpid: ") + std::strerror(errno), {}, {}});
      } else if (killed) {
        // Whatever else was left in the group goes with it.
        done(CheckResult{false, "killed after timeout", {}, {}});
      } else {
        bool up = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        done(CheckResult{up, describe_status(status), {}, {}});
      }
    }

    asio::posix::stream_descriptor pidfd;
    Done done;
    pid_t pid = -1;
    bool killed = false;
  };

  asio::io_context& io_;
  ExecOptions options_;
  std::weak_ptr<Probe> current_;  // the probe in flight, owned by its handlers
};

}  // namespace

std::unique_ptr<Check> make_exec_check(const CheckSpec& spec, asio::io_context& io) {
  return std::make_unique<ExecCheck>(spec, io);
}

}  // namespace cdn::health
