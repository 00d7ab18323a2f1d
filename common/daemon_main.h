// common/daemon_main.h: what every daemon's main() shares: its environment defaults and the one
// place exceptions (start-up failures, programming errors) are caught and logged.
#pragma once
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

}  // namespace cdn
