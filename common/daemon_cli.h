// common/daemon_cli.h: the options every daemon has and the one way a daemon reads its command
// line. Only the daemons' main.cc include it (CLI11 is a large header).
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "common/daemon_main.h"

namespace cdn {

struct DaemonCommandLine {
  std::string log_level = "info";
  bool foreground = false;  // accepted for unit files and tests: the daemons never fork
};

// Adds --log-level and, for a daemon systemd starts, --foreground.
inline void add_daemon_options(CLI::App& app, DaemonCommandLine& line, bool with_foreground) {
  app.add_option("--log-level", line.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  if (with_foreground) {
    app.add_flag("--foreground", line.foreground,
                 "Stay in the foreground (systemd, tests); always true");
  }
}

// Parses the command line and applies the log level; nullopt to go on, else the exit code: 0
// after --help, 2 for a usage error (CLI11 has printed it).
inline std::optional<int> parse_daemon_command_line(CLI::App& app, const DaemonCommandLine& line,
                                                    int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  apply_log_level(line.log_level);
  return std::nullopt;
}

}  // namespace cdn
