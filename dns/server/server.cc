#include "dns/server/server.h"

#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/control/control.h"
#include "common/log.h"
#include "common/metrics.h"
#include "dns/steer/explain.h"
#include "dns/steer/served.h"

namespace cdn::dns {
namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

Status drop_privileges(const std::string& user) {
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return Error("--user", "no such user '" + user + "'");
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
    return Error("--user", std::string("cannot switch to '") + user + "': " + std::strerror(errno));
  return Ok{};
}

}  // namespace

Server::Server(ServerConfig config)
    : config_(std::move(config)),
      loader_(LoadSource{config_.db_path, config_.zone_files, config_.nsid}) {}

Result<Loaded> Server::load() {
  std::vector<store::LatencyEntry> rtts;
  {
    std::lock_guard lock(steer_mutex_);
    rtts = pushed_rtts_;
  }
  return loader_.load(rtts);
}

void Server::publish_states(const Snapshot& snapshot) {
  if (!snapshot.steering) {
    states_.publish(std::make_shared<const SteeringStates>());
    return;
  }
  const SteeringSet& set = snapshot.steering->set;
  auto current = states_.get();
  // Keep the states (and their overload hysteresis) while the set keeps its shape; start
  // from "all up" for a new one, then apply what was pushed and what the operator set.
  auto next = std::make_shared<SteeringStates>(
      current && current->pools.size() == set.pools.size() ? *current : initial_states(set));
  // An edge nobody reports on (nothing pushed, no override: e.g. one whose override was just
  // cleared with `auto`) is up, as in a new set; kept states would keep an old override's.
  for (const auto& e : set.edges) {
    bool overridden = false;
    for (const auto& o : overrides_) overridden |= o.edge == e.name;
    if (!overridden && !pushed_.count(e.name)) {
      report_edge(*next, set, e.name, Availability::Up, 0.0);
    }
  }
  for (const auto& [name, r] : pushed_) report_edge(*next, set, name, r.state, r.load);
  // The operator's overrides win over anything pushed (cdnctl edge set-state).
  for (const auto& o : overrides_) {
    Availability a = parse_availability(o.state).value_or(Availability::Up);
    double load = o.load.value_or(pushed_.count(o.edge) ? pushed_.find(o.edge)->second.load : 0.0);
    report_edge(*next, set, o.edge, a, load);
  }
  states_.publish(std::move(next));
}

Result<int64_t> Server::report_rtts(std::vector<store::LatencyEntry> entries) {
  {
    std::lock_guard lock(steer_mutex_);
    for (auto& e : entries) {
      bool replaced = false;
      for (auto& old : pushed_rtts_) {
        if (old.prefix == e.prefix && old.edge == e.edge) {
          old.rtt_ms = e.rtt_ms;
          replaced = true;
        }
      }
      if (!replaced) pushed_rtts_.push_back(std::move(e));
    }
  }
  return reload();
}

Result<size_t> Server::report_edges(const std::vector<control::EdgeReport>& reports) {
  std::lock_guard lock(steer_mutex_);
  auto snapshot = snapshots_.get();
  size_t applied = 0;
  std::string unknown;
  for (const auto& r : reports) {
    bool known = false;
    if (snapshot->steering) {
      for (const auto& e : snapshot->steering->set.edges) known |= e.name == r.name;
    }
    if (!known) {
      unknown += unknown.empty() ? r.name : ", " + r.name;
      continue;
    }
    pushed_[r.name] = r;
    ++applied;
    last_push_ = std::chrono::steady_clock::now();
  }
  publish_states(*snapshot);
  if (!unknown.empty()) return Error("edge-state", "unknown edges: " + unknown);
  return applied;
}

Status Server::set_override(const control::OverrideRequest& request) {
  std::lock_guard lock(steer_mutex_);
  auto snapshot = snapshots_.get();
  bool known = false;
  if (snapshot->steering) {
    for (const auto& e : snapshot->steering->set.edges) known |= e.name == request.edge;
  }
  if (!known) return Error("override", "unknown edge " + request.edge);
  std::erase_if(overrides_, [&](const store::EdgeOverride& o) { return o.edge == request.edge; });
  if (request.state) {
    overrides_.push_back(store::EdgeOverride{
        request.edge, std::string(availability_text(*request.state)), request.load});
  }
  publish_states(*snapshot);
  log::info("edge.override",
            {{"edge", request.edge},
             {"state", request.state ? availability_text(*request.state) : "auto"}});
  return Ok{};
}

Result<int64_t> Server::reload() {
  std::lock_guard lock(reload_mutex_);
  auto started = std::chrono::steady_clock::now();
  auto loaded = load();
  if (!loaded) {
    log::warn("reload.failed", {{"error", loaded.error().text()}, {"kept_version", version()}});
    return loaded.error();
  }
  auto snapshot = loaded->snapshot;
  int64_t v = snapshot->options.version;
  size_t zones = snapshot->zones.size();
  const size_t compiled = loaded->zones_compiled;
  const size_t patched = loaded->zones_patched;
  const bool steering_built = loaded->steering_built;
  {
    std::lock_guard steer_lock(steer_mutex_);
    overrides_ = std::move(loaded->overrides);
    snapshots_.publish(snapshot);
    publish_states(*snapshot);
  }
  snapshot.reset();
  loaded->snapshot.reset();
  // The parse and the old snapshot (once the last worker lets go of it) leave large free
  // blocks: hand them back so the resident size reflects what is served.
  malloc_trim(0);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started);
  log::info("snapshot.published", {{"version", int64_t(v)},
                                   {"zones", uint64_t(zones)},
                                   {"zones_compiled", uint64_t(compiled)},
                                   {"zones_patched", uint64_t(patched)},
                                   {"steering_built", steering_built ? "yes" : "no"},
                                   {"build_ms", int64_t(ms.count())}});
  return v;
}

Status Server::bind_all() {
  unsigned threads =
      config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (const auto& text : config_.listen) {
    auto parsed = net::parse_endpoint(text);
    if (!parsed) return parsed.error();
    net::Endpoint ep = *parsed;
    // Port 0: the first UDP socket picks the port; every other socket (workers, TCP) shares it.
    // If TCP cannot have the same port, try again with a new one.
    for (int attempt = 0;; ++attempt) {
      std::vector<UdpSocket> sockets;
      auto first = UdpSocket::bind(ep);
      if (!first) return first.error();
      net::Endpoint bound = ep;
      if (ep.port() == 0) {
        auto local = net::local_endpoint(first->fd());
        if (!local) return local.error();
        bound.set_port(local->port());
      }
      sockets.push_back(std::move(first.value()));
      bool retry = false;
      for (unsigned i = 1; i < threads; ++i) {
        auto s = UdpSocket::bind(bound);
        if (!s) return s.error();
        sockets.push_back(std::move(s.value()));
      }
      auto probe = bind_tcp_listener(bound);
      if (!probe) {
        if (ep.port() == 0 && attempt < 20)
          retry = true;
        else
          return probe.error();
      } else {
        close(*probe);  // TcpServer binds for real below; SO_REUSEADDR makes that immediate
      }
      if (retry) continue;
      for (auto& s : sockets) {
        counters_.push_back(std::make_unique<QueryCounters>());
        udp_workers_.push_back(
            std::make_unique<UdpWorker>(std::move(s), snapshots_, states_, *counters_.back()));
      }
      endpoints_.push_back(bound);
      break;
    }
  }
  return Ok{};
}

Result<std::unique_ptr<Server>> Server::start(ServerConfig config) {
  std::unique_ptr<Server> s(new Server(std::move(config)));
  // The first snapshot: without it there is nothing to serve, so a failure ends the start.
  auto first = s->load();
  if (!first) return first.error();
  if (!s->config_.db_path.empty() && s->config_.listen.empty()) {
    s->config_.listen = first->listen;
    if (s->config_.metrics.empty()) s->config_.metrics = first->metrics_listen;
  }
  if (s->config_.listen.empty())
    return Error("--listen",
                 "no listen address (give --listen ADDR:PORT, or set dns.listen in the database)");
  s->overrides_ = std::move(first->overrides);
  s->snapshots_.publish(first->snapshot);
  s->publish_states(*first->snapshot);
  first->snapshot.reset();
  malloc_trim(0);

  if (auto bound = s->bind_all(); !bound) return bound.error();
  s->counters_.push_back(std::make_unique<QueryCounters>());  // the TCP thread's block
  auto tcp = TcpServer::start(s->endpoints_, s->snapshots_, s->states_, *s->counters_.back(),
                              s->config_.tcp);
  if (!tcp) return tcp.error();
  s->tcp_ = std::move(tcp.value());

  if (!s->config_.metrics.empty()) {
    auto ep = net::parse_endpoint(s->config_.metrics);
    if (!ep) return Error("--metrics", ep.error().text());
    Server* raw = s.get();
    auto listener = metrics::Listener::start(*ep, [raw] { return raw->metrics_text(); });
    if (!listener) return listener.error();
    s->metrics_ = std::move(listener.value());
  }

  if (!s->config_.control_path.empty()) {
    auto control =
        control::Server::start(s->config_.control_path, control::dispatch("dnsd", commands(*s)));
    if (!control) return control.error();
    s->control_ = std::move(control.value());
  }

  if (!s->config_.user.empty()) {
    if (auto dropped = drop_privileges(s->config_.user); !dropped) return dropped.error();
  }

  Server* self = s.get();
  s->watcher_ = std::jthread([self](const std::stop_token& stop) {
    pthread_setname_np(pthread_self(), "dnsd/watch");
    self->watch(stop);
  });
  for (size_t i = 0; i < s->udp_workers_.size(); ++i) {
    UdpWorker* w = s->udp_workers_[i].get();
    std::string name = "dnsd/udp" + std::to_string(i);
    s->udp_threads_.emplace_back([w, name](const std::stop_token& stop) {
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      w->run(stop);
    });
  }
  return s;
}

namespace {
constexpr auto kWatchEvery = std::chrono::seconds(2);
// Pushed edge states older than this are stale: kept (last known wins), and logged once.
constexpr auto kStateStaleAfter = std::chrono::seconds(30);

struct FileStamp {
  bool exists = false;
  std::filesystem::file_time_type mtime{};
  uintmax_t size = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::filesystem::path& path) {
  std::error_code ec;
  FileStamp s;
  s.mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return s;
  s.size = std::filesystem::file_size(path, ec);
  s.exists = !ec;
  return s;
}
}  // namespace

void Server::watch(const std::stop_token& stop) {
  std::mutex wait_mutex;
  std::condition_variable_any wake;
  FileStamp failed;  // a file whose load failed: tried again only once it changes again
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(wait_mutex);
      wake.wait_for(lock, stop, kWatchEvery, [] { return false; });
    }
    if (stop.stop_requested()) break;
    auto snapshot = snapshots_.get();
    if (snapshot->steering && snapshot->steering->geo) {
      const ServedSteering& st = *snapshot->steering;
      const auto& path = st.geo->path();
      FileStamp now = stamp_of(path);
      FileStamp loaded{true, st.geo_mtime, st.geo_size};
      if (now.exists && now != loaded && now != failed) {
        log::info("geoip.changed", {{"path", path.string()}});
        auto reloaded = reload();  // logs snapshot.published or reload.failed
        failed = reloaded ? FileStamp{} : now;
      }
    }
    std::lock_guard lock(steer_mutex_);
    bool stale =
        !pushed_.empty() && std::chrono::steady_clock::now() - last_push_ > kStateStaleAfter;
    if (stale && !stale_logged_) {
      log::warn("edge_state.stale",
                {{"age_s", int64_t(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::steady_clock::now() - last_push_)
                                       .count())},
                 {"policy", "keep last known"}});
    }
    stale_logged_ = stale;
  }
}

Server::~Server() {
  watcher_ = {};  // stops and joins the watcher before anything it reads goes
  for (auto& t : udp_threads_) t.request_stop();
  udp_threads_.clear();  // joins
  control_.reset();
  metrics_.reset();
  tcp_.reset();
}

std::string Server::ready_line_fields() const {
  std::vector<std::string> listen;
  for (const auto& ep : endpoints_) listen.push_back(ep.text());
  std::string out = "listen=" + join(listen, ",");
  if (metrics_) out += " metrics=" + metrics_->endpoint().text();
  if (control_) out += " control=" + config_.control_path;
  out += " version=" + std::to_string(version());
  return out;
}

}  // namespace cdn::dns
