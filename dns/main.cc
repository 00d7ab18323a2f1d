// cdn-dnsd: flags -> ServerConfig -> Server -> wait for signals.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "common/control/messages.h"
#include "common/daemon_cli.h"
#include "common/daemon_main.h"
#include "common/log.h"
#include "dns/server/server.h"

namespace {

int run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
  return cdn::guarded_main("dnsd", [&] { return run(argc, argv); });
}

namespace {

int run(int argc, char** argv) {
  using namespace cdn;
  CLI::App app{"cdn-dnsd: authoritative GeoDNS server of the cdn-appliance"};
  app.footer(
      "Standalone (zone files, no database):\n"
      "  cdn-dnsd --listen 127.0.0.1:5300 --zone example.com=example.com.zone --foreground\n"
      "Appliance (config database, managed with cdnctl):\n"
      "  cdn-dnsd --db /var/lib/cdn/config.db --foreground\n"
      "Signals: SIGHUP reloads (a broken zone is refused, the old data keeps serving);\n"
      "SIGTERM/SIGINT stop. Logs are key=value lines on stderr.");
  dns::ServerConfig config;
  std::vector<std::string> zones;
  DaemonCommandLine common;
  double idle_timeout = 10;
  app.add_option("--listen", config.listen,
                 "Address to serve on, ADDR:PORT or [IPv6]:PORT (repeatable; port 0 = any free "
                 "port). Appliance mode: default from the database (dns.listen)");
  app.add_option("--zone", zones, "Serve ORIGIN=FILE, an RFC 1035 zone file (repeatable)");
  auto* db =
      app.add_option("--db", config.db_path, "Appliance mode: the config database (env CDN_DB)");
  app.add_option("--control", config.control_path,
                 "Control socket (default in appliance mode: $CDN_RUN_DIR/dnsd.sock, "
                 "CDN_RUN_DIR defaults to /run/cdn)");
  app.add_option("--metrics", config.metrics,
                 "Prometheus metrics on ADDR:PORT (appliance default: dns.metrics or "
                 "127.0.0.1:9531)");
  app.add_option("--nsid", config.nsid, "NSID (RFC 5001) sent to clients that ask");
  app.add_option("--threads", config.threads,
                 "UDP workers per listen address (default: one per core)")
      ->check(CLI::Range(1, 256));
  app.add_option("--tcp-idle-timeout", idle_timeout,
                 "Seconds before an idle TCP connection is closed")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--tcp-max-connections", config.tcp.max_connections, "TCP connection limit")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--user", config.user, "Drop to this user after binding");
  add_daemon_options(app, common, true);
  if (auto rc = parse_daemon_command_line(app, common, argc, argv)) return *rc;
  config.tcp.idle_timeout = std::chrono::milliseconds(long(idle_timeout * 1000));
  if (config.db_path.empty() && db->count() == 0) config.db_path = env_or("CDN_DB", "");
  if (!config.db_path.empty() && !zones.empty()) {
    std::fprintf(stderr, "cdn-dnsd: --zone and --db exclude each other\n");
    return 2;
  }
  if (config.db_path.empty() && zones.empty()) {
    std::fprintf(stderr, "cdn-dnsd: nothing to serve: give --zone ORIGIN=FILE or --db PATH\n");
    return 2;
  }
  for (const auto& z : zones) {
    auto eq = z.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == z.size()) {
      std::fprintf(stderr, "cdn-dnsd: --zone %s: expected ORIGIN=FILE\n", z.c_str());
      return 2;
    }
    config.zone_files.push_back({z.substr(0, eq), z.substr(eq + 1)});
  }
  if (!config.db_path.empty() && config.control_path.empty())
    config.control_path = control::socket_path(env_or("CDN_RUN_DIR", "/run/cdn"), control::kDnsd);

  // Signals are taken by sigwait below; every thread started from here inherits the mask.
  sigset_t signals = block_signals();
  auto server = dns::Server::start(config);
  if (!server) {
    log::error("dnsd.start_failed", {{"error", server.error().text()}});
    return 1;
  }
  announce_ready("dnsd", (*server)->ready_line_fields());
  // reload() logs snapshot.published or reload.failed itself.
  serve_signals("dnsd", signals, [&] { (void)(*server)->reload(); });
  server->reset();
  log::info("dnsd.stopped");
  return 0;
}

}  // namespace
