// cdn-healthd: flags -> Daemon -> wait for signals.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "common/clock.h"
#include "common/control/messages.h"
#include "common/daemon_cli.h"
#include "common/daemon_main.h"
#include "common/log.h"
#include "healthd/daemon.h"

namespace {

int run(int argc, char** argv) {
  using namespace cdn;
  CLI::App app{"cdn-healthd: health checks, anycast routes for ExaBGP, edge states for cdn-dnsd"};
  app.footer(
      "Checks, services, prefixes and drains live in the config database (cdnctl check|service|\n"
      "prefix|drain); `cdnctl apply` or SIGHUP reloads it (a broken config is refused, the old\n"
      "one keeps running). cdn-exabgp-bridge gets the routes from the control socket.\n"
      "SIGTERM/SIGINT stop. Logs are key=value lines on stderr.");
  std::string run_dir = env_or("CDN_RUN_DIR", "/run/cdn");
  health::DaemonOptions options;
  options.db_path = env_or("CDN_DB", "/var/lib/cdn/config.db");
  options.control_path = control::socket_path(run_dir, control::kHealthd);
  options.dnsd_control = control::socket_path(run_dir, control::kDnsd);
  options.metrics = "127.0.0.1:9532";
  DaemonCommandLine common;
  app.add_option("--db", options.db_path, "The config database (env CDN_DB)")
      ->capture_default_str();
  app.add_option("--control", options.control_path,
                 "Control socket ($CDN_RUN_DIR/healthd.sock; CDN_RUN_DIR defaults to /run/cdn)")
      ->capture_default_str();
  app.add_option("--dnsd-control", options.dnsd_control,
                 "cdn-dnsd's control socket, for edge states; empty = no edge monitoring")
      ->capture_default_str();
  app.add_option("--metrics", options.metrics,
                 "Prometheus /metrics on ADDR:PORT (port 0 = any free port); empty = off")
      ->capture_default_str();
  add_daemon_options(app, common, true);
  if (auto rc = parse_daemon_command_line(app, common, argc, argv)) return *rc;

  sigset_t signals = block_signals();
  SystemClock clock;
  auto daemon = health::Daemon::start(options, clock);
  if (!daemon) {
    log::error("healthd.start_failed", {{"error", daemon.error().text()}});
    return 1;
  }
  announce_ready("healthd", (*daemon)->ready_line_fields());
  serve_signals("healthd", signals, [&] {
    auto v = (*daemon)->reload();
    if (v) {
      log::info("config.loaded", {{"version", *v}});
    } else {
      log::warn("reload.failed", {{"error", v.error().text()}});
    }
  });
  daemon->reset();
  log::info("healthd.stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cdn::guarded_main("healthd", [&] { return run(argc, argv); });
}
