// bgp/bridge.cc: cdn-exabgp-bridge's threads and event loop (see bridge.h).
#include "bgp/bridge.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "bgp/exabgp_api.h"
#include "bgp/reconcile.h"
#include "common/control/control.h"
#include "common/control/messages.h"
#include "common/log.h"
#include "common/store/health_config.h"

namespace cdn::bgp {
namespace {

using namespace std::chrono_literals;

constexpr auto kTickEvery = 200ms;
constexpr auto kRetryEvery = 5s;
constexpr auto kRepollAfter = 300ms;

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

// What the poller tells healthd: written by the main thread, read by the poller.
struct Feedback {
  std::mutex mu;
  routing::RouteSet confirmed;
  std::vector<control::BridgeReport> reports;
  std::string exabgp = "unknown";
  bool stop = false;
};

struct Loaded {
  ReconcileConfig config;
  int64_t version = 0;
};

Result<Loaded> reconcile_config(const BridgeOptions& options) {
  auto health = store::read_health_config(options.db_path);
  if (!health) return health.error();
  Loaded loaded;
  loaded.version = health->version;
  ReconcileConfig& rc = loaded.config;
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
  rc.grace = options.grace_s ? std::chrono::milliseconds(*options.grace_s * 1000)
                             : std::chrono::milliseconds(health->bgp.grace_ms);
  return loaded;
}

std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }

class Bridge {
 public:
  Bridge(const BridgeOptions& options, const Loaded& loaded, Reconciler reconciler)
      : options_(options), version_(loaded.version), reconciler_(std::move(reconciler)) {}

  void run(const Loaded& loaded) {
    std::thread reader([this] { read_exabgp(); });
    reader.detach();  // blocked in read(2) until ExaBGP closes the pipe; the process exits then
    std::thread poller([this] { poll_healthd(); });
    write_lines(reconciler_.start(now()));
    log::info("bridge.started", {{"prefixes", uint64_t(loaded.config.prefixes.size())},
                                 {"version", loaded.version},
                                 {"grace_ms", int64_t(loaded.config.grace.count())},
                                 {"healthd", options_.healthd}});
    auto last_retry = now();
    while (true) {
      std::vector<Step> steps;
      for (auto& e : queue_.take(kTickEvery)) {
        if (e.kind == Event::Kind::ExabgpEof) {  // ExaBGP is gone: nothing more is written
          log::info("bridge.exabgp_closed", {});
          stop(poller);
          return;
        }
        handle(e, steps);
      }
      steps.push_back(reconciler_.tick(now()));
      if (now() - last_retry >= kRetryEvery) {  // lines ExaBGP refused are tried again, slowly
        last_retry = now();
        steps.push_back(reconciler_.retry());
      }
      publish(steps);
    }
  }

 private:
  void read_exabgp() {
    pthread_setname_np(pthread_self(), "bridge/exabgp");
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      queue_.push({Event::Kind::ExabgpLine, line, {}, {}});
    }
    queue_.push({Event::Kind::ExabgpEof, {}, {}, {}});
  }

  void poll_healthd() {
    pthread_setname_np(pthread_self(), "bridge/healthd");
    uint64_t generation = 0;
    bool lost = false;
    while (true) {
      control::BridgeSyncRequest req;
      req.generation = generation;
      req.wait_ms = 1000;
      {
        std::lock_guard lock(feedback_.mu);
        if (feedback_.stop) return;
        req.confirmed = feedback_.confirmed;
        req.reports = std::move(feedback_.reports);
        feedback_.reports.clear();
        req.exabgp = feedback_.exabgp;
      }
      auto reply = control::ask<control::BridgeSyncReply>(options_.healthd, req, 3s);
      if (!reply) {
        std::string why = reply.error().text();
        if (!lost) log::warn("bridge.healthd_lost", {{"error", why}});
        lost = true;
        generation = 0;  // the next answer is a full set whatever it holds
        queue_.push({Event::Kind::HealthdLost, {}, {}, why});
        std::this_thread::sleep_for(kRepollAfter);  // retry pacing, not synchronisation
        continue;
      }
      if (lost) log::info("bridge.healthd_back", {});
      lost = false;
      if (!reply->ready) {
        queue_.push({Event::Kind::HealthdWaiting, {}, {}, {}});
        std::this_thread::sleep_for(kRepollAfter);
        continue;
      }
      if (reply->generation == generation) continue;  // the long poll ran out without a change
      generation = reply->generation;
      queue_.push({Event::Kind::HealthdSet, {}, std::move(*reply->routes), {}, reply->version});
    }
  }

  void handle(const Event& e, std::vector<Step>& steps) {
    switch (e.kind) {
      case Event::Kind::ExabgpLine: {
        auto reply = parse_reply(e.line);
        if (reply.kind == ReplyKind::NeighborUp || reply.kind == ReplyKind::NeighborDown) {
          std::lock_guard lock(feedback_.mu);
          feedback_.exabgp =
              (reply.kind == ReplyKind::NeighborUp ? "up " : "down ") + reply.neighbor;
        }
        steps.push_back(reconciler_.exabgp_reply(reply));
        break;
      }
      case Event::Kind::HealthdSet:
        healthd_lost_reported_ = false;
        if (e.version > version_) reconfigure(e.version, steps);
        steps.push_back(reconciler_.healthd_full_set(e.routes, now()));
        break;
      case Event::Kind::HealthdWaiting:
        steps.push_back(reconciler_.healthd_waiting(now()));
        break;
      case Event::Kind::HealthdLost:
        if (!healthd_lost_reported_) steps.push_back(reconciler_.healthd_lost(now()));
        healthd_lost_reported_ = true;
        break;
      case Event::Kind::ExabgpEof:
        break;  // run() ends the loop
    }
  }

  // healthd plans with a newer config: its prefixes are the universe from now on.
  void reconfigure(int64_t healthd_version, std::vector<Step>& steps) {
    auto next = reconcile_config(options_);
    auto step = next ? reconciler_.reconfigure(next->config) : Result<Step>(next.error());
    if (!step) {
      log::error("bridge.reconfigure_failed",
                 {{"error", step.error().text()}, {"kept_version", version_}});
    } else {
      steps.push_back(std::move(*step));
      version_ = next->version;
      log::info("bridge.reconfigured",
                {{"version", version_}, {"prefixes", uint64_t(next->config.prefixes.size())}});
    }
    version_ = std::max(version_, healthd_version);  // tried once per version
  }

  static void write_lines(const Step& step) {
    for (const auto& line : step.lines) {
      std::fputs((line + "\n").c_str(), stdout);
      std::fflush(stdout);
      log::debug("bridge.sent", {{"line", line}});
    }
  }

  // Writes the steps' lines to ExaBGP, logs their reports and hands both to the poller.
  void publish(const std::vector<Step>& steps) {
    std::vector<control::BridgeReport> reports;
    for (const auto& step : steps) {
      write_lines(step);
      for (const auto& r : step.reports) {
        auto kind = std::string(kind_name(r.kind));
        bool bad = r.kind != Report::Kind::Applied;
        (bad ? log::warn : log::debug)(
            "bridge.report",
            {{"kind", kind}, {"prefix", r.prefix}, {"line", r.line}, {"detail", r.detail}});
        reports.push_back({kind, r.prefix, r.line, r.detail});
      }
    }
    routing::RouteSet confirmed{reconciler_.confirmed_routes()};
    std::lock_guard lock(feedback_.mu);
    feedback_.confirmed = std::move(confirmed);
    for (auto& r : reports) feedback_.reports.push_back(std::move(r));
  }

  void stop(std::thread& poller) {
    {
      std::lock_guard lock(feedback_.mu);
      feedback_.stop = true;
    }
    poller.join();  // its call ends within 3 s
  }

  const BridgeOptions& options_;
  int64_t version_;  // of the config the reconciler runs
  Reconciler reconciler_;
  Queue queue_;
  Feedback feedback_;
  bool healthd_lost_reported_ = false;
};

}  // namespace

int run_bridge(const BridgeOptions& options) {
  auto loaded = reconcile_config(options);
  if (!loaded) {
    log::error("bridge.start_failed", {{"error", loaded.error().text()}});
    return 1;
  }
  auto reconciler = Reconciler::create(loaded->config);
  if (!reconciler) {
    log::error("bridge.start_failed", {{"error", reconciler.error().text()}});
    return 1;
  }
  Bridge bridge(options, *loaded, std::move(*reconciler));
  bridge.run(*loaded);
  return 0;
}

}  // namespace cdn::bgp
