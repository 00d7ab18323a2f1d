// common/daemon_main.h: what every daemon's main() shares: its environment defaults and the one
// place exceptions (start-up failures, programming errors) are caught and logged.
#pragma once
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "common/log.h"

namespace cdn {

// The variable's value, or `fallback` when it is unset or empty (CDN_DB, CDN_RUN_DIR).
inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Runs `run` and returns its exit code; an escaping exception is logged as "PROGRAM.fatal"
// and exits 1.
template <class Run>
int guarded_main(const char* program, Run run) {
  std::string event = std::string(program) + ".fatal";
  try {
    return run();
  } catch (const std::exception& e) {
    log::error(event, {{"error", e.what()}});
  } catch (...) {
    log::error(event, {{"error", "unknown exception"}});
  }
  return 1;
}

// --log-level: debug, info, warn or error (the option checks the word).
inline void apply_log_level(const std::string& text) {
  log::Level level = log::Level::Info;
  log::parse_level(text, level);
  log::set_level(level);
}

// Blocks SIGHUP, SIGTERM and SIGINT in this thread and every thread started after it, so that
// serve_signals() takes them, and ignores SIGPIPE (a peer gone mid-write is an error return).
inline sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

// The line tests, the demo and operators wait for: "level=info event=PROGRAM.ready FIELDS".
inline void announce_ready(const char* program, const std::string& fields) {
  std::string line = "level=info event=" + std::string(program) + ".ready " + fields + "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

// Until SIGTERM or SIGINT (logged as PROGRAM.stopping): each SIGHUP calls `reload`.
template <class Reload>
void serve_signals(const char* program, const sigset_t& signals, Reload reload) {
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    log::info(std::string(program) + ".stopping", {{"signal", sig == SIGTERM ? "TERM" : "INT"}});
    return;
  }
}

}  // namespace cdn
