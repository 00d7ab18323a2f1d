// cdn-exabgp-bridge: run by ExaBGP (`process` stanza, encoder text). Between healthd's control
// socket and ExaBGP's pipes; every decision is the Reconciler's (bgp/reconcile.h).
//
// DOC: threads and events. One thread reads ExaBGP's lines from stdin (acks, neighbor changes;
// EOF = ExaBGP is gone: exit). One thread long-polls healthd (`bridge-sync`, 1 s waits), sending
// back what ExaBGP confirmed and the reports since the last poll; an error or no answer is
// "healthd lost" and is retried every 300 ms. The main thread owns the Reconciler: it takes the
// events in order, ticks every 200 ms (the grace period), retries lines ExaBGP refused every 5 s,
// and writes each line to stdout with a flush. Logs go to stderr (ExaBGP passes them to its log).
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "bgp/exabgp_api.h"
#include "bgp/reconcile.h"
#include "common/control/control.h"
#include "common/control/messages.h"
#include "common/daemon_cli.h"
#include "common/daemon_main.h"
#include "common/log.h"
#include "common/store/health_config.h"

namespace {

using namespace cdn;
using Json = nlohmann::json;
using namespace std::chrono_literals;

struct Event {
  enum class Kind { ExabgpLine, ExabgpEof, HealthdSet, HealthdWaiting, HealthdLost } kind;
  std::string line;
  routing::RouteSet routes;
  std::string error;
  int64_t version = 0;  // HealthdSet: the config version healthd planned it with
};

class Queue {
 public:
  void push(Event e) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  // Waits up to `timeout`; empty when nothing came.
  std::deque<Event> take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty(); });
    std::deque<Event> out;
    out.swap(events_);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
};

// What the poller tells healthd: guarded by its own mutex, written by the main thread.
struct Feedback {
  std::mutex mu;
  routing::RouteSet confirmed;
  std::vector<control::BridgeReport> reports;
  std::string exabgp = "unknown";
  bool stop = false;
};

struct Loaded {
  bgp::ReconcileConfig config;
  int64_t version = 0;
};

Result<Loaded> reconcile_config(const std::string& db_path, std::optional<int> grace_s) {
  auto health = store::read_health_config(db_path);
  if (!health) return health.error();
  Loaded loaded;
  loaded.version = health->version;
  bgp::ReconcileConfig& rc = loaded.config;
  rc.local_as = health->bgp.local_as;
  if (rc.local_as == 0) return Error("setting bgp.local_as", "not set (cdnctl set bgp.local_as N)");
  for (const auto& p : health->prefixes) {
    auto prefix = net::parse_prefix(p.prefix);
    auto hop = net::parse_address(p.next_hop);
    if (!prefix || !hop) return Error("prefix " + p.prefix, "cannot be parsed");
    rc.prefixes.push_back(*prefix);
    auto& slot = prefix->family() == net::Family::V4 ? rc.next_hop_v4 : rc.next_hop_v6;
    if (!slot) slot = *hop;
  }
  rc.grace = grace_s ? std::chrono::milliseconds(*grace_s * 1000)
                     : std::chrono::milliseconds(health->bgp.grace_ms);
  return loaded;
}

void write_lines(const bgp::Step& step) {
  for (const auto& line : step.lines) {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
    log::debug("bridge.sent", {{"line", line}});
  }
}

int run(int argc, char** argv) {
  CLI::App app{"cdn-exabgp-bridge: anycast routes from cdn-healthd to ExaBGP (run by ExaBGP)"};
  app.footer(
      "ExaBGP runs it from the rendered config (cdnctl bgp render). It reads ExaBGP's acks on\n"
      "stdin and writes announce/withdraw lines on stdout; on start and on every session\n"
      "re-establishment it sends the whole state again. If cdn-healthd cannot be reached for\n"
      "longer than the grace period (bgp.grace, default 10 s) it withdraws every prefix.");
  std::string run_dir = env_or("CDN_RUN_DIR", "/run/cdn");
  std::string db_path = env_or("CDN_DB", "/var/lib/cdn/config.db");
  std::string healthd = control::socket_path(run_dir, control::kHealthd);
  std::optional<int> grace;
  DaemonCommandLine common;
  app.add_option("--db", db_path, "The config database: the prefixes, local AS, grace (env CDN_DB)")
      ->capture_default_str();
  app.add_option("--healthd", healthd, "cdn-healthd's control socket")->capture_default_str();
  app.add_option("--grace", grace, "Seconds without healthd before withdrawing all (bgp.grace)")
      ->check(CLI::Range(1, 3600));
  add_daemon_options(app, common, false);
  if (auto rc = parse_daemon_command_line(app, common, argc, argv)) return *rc;
  signal(SIGPIPE, SIG_IGN);

  auto config = reconcile_config(db_path, grace);
  if (!config) {
    log::error("bridge.start_failed", {{"error", config.error().text()}});
    return 1;
  }
  auto reconciler = bgp::Reconciler::create(config->config);
  int64_t config_version = config->version;
  if (!reconciler) {
    log::error("bridge.start_failed", {{"error", reconciler.error().text()}});
    return 1;
  }

  Queue queue;
  Feedback feedback;
  std::thread reader([&queue] {
    pthread_setname_np(pthread_self(), "bridge/exabgp");
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      queue.push({Event::Kind::ExabgpLine, line, {}, {}});
    }
    queue.push({Event::Kind::ExabgpEof, {}, {}, {}});
  });
  reader.detach();  // blocked in read(2) until ExaBGP closes the pipe; the process exits then

  std::thread poller([&queue, &feedback, healthd] {
    pthread_setname_np(pthread_self(), "bridge/healthd");
    uint64_t generation = 0;
    bool lost = false;
    while (true) {
      control::BridgeSyncRequest req;
      req.generation = generation;
      req.wait_ms = 1000;
      {
        std::lock_guard lock(feedback.mu);
        if (feedback.stop) return;
        req.confirmed = feedback.confirmed;
        req.reports = std::move(feedback.reports);
        feedback.reports.clear();
        req.exabgp = feedback.exabgp;
      }
      auto reply = control::ask<control::BridgeSyncReply>(healthd, req, 3s);
      if (!reply) {
        std::string why = reply.error().text();
        if (!lost) log::warn("bridge.healthd_lost", {{"error", why}});
        lost = true;
        generation = 0;  // the next answer is a full set whatever it holds
        queue.push({Event::Kind::HealthdLost, {}, {}, why});
        std::this_thread::sleep_for(300ms);  // retry pacing, not synchronisation
        continue;
      }
      if (lost) log::info("bridge.healthd_back", {});
      lost = false;
      if (!reply->ready) {
        queue.push({Event::Kind::HealthdWaiting, {}, {}, {}});
        std::this_thread::sleep_for(300ms);
        continue;
      }
      if (reply->generation == generation) continue;  // the long poll ran out without a change
      generation = reply->generation;
      queue.push({Event::Kind::HealthdSet, {}, std::move(*reply->routes), {}, reply->version});
    }
  });

  auto now = [] { return std::chrono::steady_clock::now(); };
  write_lines(reconciler->start(now()));
  log::info("bridge.started", {{"prefixes", uint64_t(config->config.prefixes.size())},
                               {"version", config_version},
                               {"grace_ms", int64_t(config->config.grace.count())},
                               {"healthd", healthd}});
  bool healthd_lost_reported = false;
  auto last_retry = now();
  for (bool running = true; running;) {
    auto events = queue.take(200ms);
    std::vector<bgp::Step> steps;
    for (auto& e : events) {
      switch (e.kind) {
        case Event::Kind::ExabgpLine: {
          auto reply = bgp::parse_reply(e.line);
          if (reply.kind == bgp::ReplyKind::NeighborUp) {
            std::lock_guard lock(feedback.mu);
            feedback.exabgp = "up " + reply.neighbor;
          } else if (reply.kind == bgp::ReplyKind::NeighborDown) {
            std::lock_guard lock(feedback.mu);
            feedback.exabgp = "down " + reply.neighbor;
          }
          steps.push_back(reconciler->exabgp_reply(reply));
          break;
        }
        case Event::Kind::ExabgpEof:
          log::info("bridge.exabgp_closed", {});
          running = false;
          break;
        case Event::Kind::HealthdSet:
          healthd_lost_reported = false;
          if (e.version > config_version) {
            // healthd plans with a newer config: its prefixes are the universe from now on.
            auto next = reconcile_config(db_path, grace);
            auto step =
                next ? reconciler->reconfigure(next->config) : Result<bgp::Step>(next.error());
            if (!step) {
              log::error("bridge.reconfigure_failed",
                         {{"error", step.error().text()}, {"kept_version", config_version}});
            } else {
              steps.push_back(std::move(*step));
              config_version = next->version;
              log::info("bridge.reconfigured",
                        {{"version", config_version},
                         {"prefixes", uint64_t(next->config.prefixes.size())}});
            }
            config_version = std::max(config_version, e.version);  // tried once per version
          }
          steps.push_back(reconciler->healthd_full_set(e.routes, now()));
          break;
        case Event::Kind::HealthdWaiting:
          steps.push_back(reconciler->healthd_waiting(now()));
          break;
        case Event::Kind::HealthdLost:
          if (!healthd_lost_reported) steps.push_back(reconciler->healthd_lost(now()));
          healthd_lost_reported = true;
          break;
      }
      if (!running) break;
    }
    if (!running) break;
    steps.push_back(reconciler->tick(now()));
    if (now() - last_retry >= 5s) {  // lines ExaBGP refused are tried again, slowly
      last_retry = now();
      steps.push_back(reconciler->retry());
    }
    std::vector<control::BridgeReport> reports;
    for (const auto& step : steps) {
      write_lines(step);
      for (const auto& r : step.reports) {
        auto kind = std::string(bgp::kind_name(r.kind));
        bool bad = r.kind != bgp::Report::Kind::Applied;
        (bad ? log::warn : log::debug)(
            "bridge.report",
            {{"kind", kind}, {"prefix", r.prefix}, {"line", r.line}, {"detail", r.detail}});
        reports.push_back({kind, r.prefix, r.line, r.detail});
      }
    }
    routing::RouteSet confirmed{reconciler->confirmed_routes()};
    std::lock_guard lock(feedback.mu);
    feedback.confirmed = std::move(confirmed);
    for (auto& r : reports) feedback.reports.push_back(std::move(r));
  }
  {
    std::lock_guard lock(feedback.mu);
    feedback.stop = true;
  }
  poller.join();  // its call ends within 3 s
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cdn::guarded_main("bridge", [&] { return run(argc, argv); });
}
