// cdn-exabgp-bridge's command line; the bridge itself is bgp/bridge.h.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "bgp/bridge.h"
#include "common/control/messages.h"
#include "common/daemon_cli.h"
#include "common/daemon_main.h"

namespace {

using namespace cdn;

int run(int argc, char** argv) {
  CLI::App app{"cdn-exabgp-bridge: anycast routes from cdn-healthd to ExaBGP (run by ExaBGP)"};
  app.footer(
      "ExaBGP runs it from the rendered config (cdnctl bgp render). It reads ExaBGP's acks on\n"
      "stdin and writes announce/withdraw lines on stdout; on start and on every session\n"
      "re-establishment it sends the whole state again. If cdn-healthd cannot be reached for\n"
      "longer than the grace period (bgp.grace, default 10 s) it withdraws every prefix.");
  bgp::BridgeOptions options;
  options.db_path = env_or("CDN_DB", "/var/lib/cdn/config.db");
  options.healthd = control::socket_path(env_or("CDN_RUN_DIR", "/run/cdn"), control::kHealthd);
  DaemonCommandLine common;
  app.add_option("--db", options.db_path,
                 "The config database: the prefixes, local AS, grace (env CDN_DB)")
      ->capture_default_str();
  app.add_option("--healthd", options.healthd, "cdn-healthd's control socket")
      ->capture_default_str();
  app.add_option("--grace", options.grace_s,
                 "Seconds without healthd before withdrawing all (bgp.grace)")
      ->check(CLI::Range(1, 3600));
  add_daemon_options(app, common, false);
  if (auto rc = parse_daemon_command_line(app, common, argc, argv)) return *rc;
  signal(SIGPIPE, SIG_IGN);
  return bgp::run_bridge(options);
}

}  // namespace

int main(int argc, char** argv) {
  return cdn::guarded_main("bridge", [&] { return run(argc, argv); });
}
