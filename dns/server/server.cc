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
#include "common/store/dns_config.h"
#include "dns/steer/explain.h"
#include "dns/steer/served.h"
#include "dns/zone/loader.h"

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

// The zone load errors, one "FILE:LINE: reason" per line.
Error zone_errors(const ZoneLoad& load) {
  std::string text;
  for (const auto& e : load.errors) {
    if (!text.empty()) text += "\n";
    text += e.text();
  }
  return Error(text);
}

Status drop_privileges(const std::string& user) {
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return Error("--user", "no such user '" + user + "'");
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
    return Error("--user", std::string("cannot switch to '") + user + "': " + std::strerror(errno));
  return Ok{};
}

}  // namespace

Result<Server::Loaded> Server::load() const {
  SnapshotOptions options;
  options.nsid = config_.nsid;
  std::vector<ZoneData> zones;
  Loaded loaded;
  std::shared_ptr<const ServedSteering> steering;
  if (!config_.db_path.empty()) {
    // Zones and steering come from two reads: both must be of the same version.
    Result<store::DnsConfig> db = Error("not read");
    Result<store::SteerConfig> steer = Error("not read");
    for (int attempt = 0; attempt < 5; ++attempt) {
      db = store::read_dns_config(config_.db_path);
      if (!db) return db.error();
      steer = store::read_steer_config(config_.db_path);
      if (!steer) return steer.error();
      if (steer->version == db->version) break;
    }
    if (steer->version != db->version)
      return Error(config_.db_path, "the configuration kept changing while being read");
    {
      // Pushed RTTs (healthd's measurements) win over the database's for the same pair.
      std::lock_guard lock(steer_mutex_);
      for (const auto& pushed : pushed_rtts_) {
        bool replaced = false;
        for (auto& l : steer->latency) {
          if (l.prefix == pushed.prefix && l.edge == pushed.edge) {
            l.rtt_ms = pushed.rtt_ms;
            replaced = true;
          }
        }
        if (!replaced) steer->latency.push_back(pushed);
      }
    }
    if (!steer->names.empty()) {
      auto built = build_steering(*steer);
      if (!built) return built.error();
      steering = std::move(built.value());
    }
    loaded.overrides = steer->overrides;
    options.version = db->version;
    if (!db->nsid.empty() && config_.nsid.empty()) options.nsid = db->nsid;
    for (const auto& z : db->zones) {
      auto load = parse_zone_text(z.text, z.name, "db:" + z.name);
      if (!load.ok()) return zone_errors(load);
      zones.push_back(std::move(load.zone));
    }
  } else {
    for (const auto& f : config_.zone_files) {
      auto load = load_zone_file(f.path, f.origin);
      if (!load.ok()) return zone_errors(load);
      zones.push_back(std::move(load.zone));
    }
  }
  if (options.nsid.size() > 128) return Error("nsid", "longer than 128 bytes");
  auto snapshot = build_snapshot(zones, options);
  if (!snapshot) return snapshot.error();
  if (steering) {
    auto with_steering = std::make_shared<Snapshot>(**snapshot);
    with_steering->steering = std::move(steering);
    loaded.snapshot = std::move(with_steering);
  } else {
    loaded.snapshot = std::move(snapshot.value());
  }
  return loaded;
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
  for (const auto& [name, r] : pushed_) report_edge(*next, set, name, r.availability, r.load);
  // The operator's overrides win over anything pushed (cdnctl edge set-state).
  for (const auto& o : overrides_) {
    Availability a = o.state == "down"    ? Availability::Down
                     : o.state == "drain" ? Availability::Drain
                                          : Availability::Up;
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

Result<size_t> Server::report_edges(const std::vector<EdgeReport>& reports) {
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
  log::info(
      "snapshot.published",
      {{"version", int64_t(v)}, {"zones", uint64_t(zones)}, {"build_ms", int64_t(ms.count())}});
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
  std::unique_ptr<Server> s(new Server());
  s->config_ = std::move(config);
  if (!s->config_.db_path.empty() && s->config_.listen.empty()) {
    auto db = store::read_dns_config(s->config_.db_path);
    if (!db) return db.error();
    s->config_.listen = db->listen;
    if (s->config_.metrics.empty()) s->config_.metrics = db->metrics_listen;
  }
  if (s->config_.listen.empty())
    return Error("--listen",
                 "no listen address (give --listen ADDR:PORT, or set dns.listen in the database)");

  // The first snapshot: without it there is nothing to serve, so a failure ends the start.
  auto first = s->load();
  if (!first) return first.error();
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
    Server* raw = s.get();
    auto control = control::Server::start(s->config_.control_path, [raw](const control::Json& req) {
      std::string cmd = req.value("cmd", "");
      if (cmd == "status") {
        auto snap = raw->snapshots_.get();
        control::Json reply = control::ok_reply();
        reply["daemon"] = "dnsd";
        reply["version"] = snap->options.version;
        reply["zones"] = snap->zones.size();
        reply["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::steady_clock::now() - raw->started_)
                                .count();
        std::vector<std::string> listen;
        for (const auto& ep : raw->endpoints_) listen.push_back(ep.text());
        reply["listen"] = listen;
        reply["tcp_connections"] = raw->tcp_->connections();
        reply["steered_names"] = snap->steering ? snap->steering->names.size() : 0;
        return reply;
      }
      if (cmd == "reload") {
        auto loaded = raw->reload();
        if (!loaded) return control::error_reply(loaded.error().text());
        control::Json reply = control::ok_reply();
        reply["version"] = *loaded;
        return reply;
      }
      if (cmd == "edge-state") {
        // {"cmd":"edge-state","edges":[{"name":"fra1","state":"up","load":0.4}, ...]}
        const auto edges = req.find("edges");
        if (edges == req.end() || !edges->is_array())
          return control::error_reply("edge-state: expected \"edges\": [{name, state, load}]");
        std::vector<Server::EdgeReport> reports;
        for (const auto& e : *edges) {
          if (!e.is_object() || !e.contains("name") || !e["name"].is_string())
            return control::error_reply("edge-state: every edge needs a \"name\"");
          Server::EdgeReport r;
          r.name = e["name"].get<std::string>();
          std::string state = e.value("state", std::string("up"));
          if (state == "up")
            r.availability = Availability::Up;
          else if (state == "down")
            r.availability = Availability::Down;
          else if (state == "drain")
            r.availability = Availability::Drain;
          else
            return control::error_reply("edge-state: " + r.name + ": state '" + state +
                                        "' is not up, down or drain");
          const auto load = e.find("load");
          if (load != e.end()) {
            if (!load->is_number() || load->get<double>() < 0 || load->get<double>() > 1)
              return control::error_reply("edge-state: " + r.name + ": load must be 0..1");
            r.load = load->get<double>();
          }
          reports.push_back(std::move(r));
        }
        // Optional measured RTTs: "rtt": [{"prefix":"10.1.0.0/16","edge":"fra","ms":12.5}]
        std::vector<store::LatencyEntry> rtts;
        if (const auto rtt = req.find("rtt"); rtt != req.end()) {
          if (!rtt->is_array()) return control::error_reply("edge-state: \"rtt\" must be a list");
          for (const auto& r : *rtt) {
            if (!r.is_object() || !r.contains("prefix") || !r["prefix"].is_string() ||
                !r.contains("edge") || !r["edge"].is_string() || !r.contains("ms") ||
                !r["ms"].is_number() || r["ms"].get<double>() < 0)
              return control::error_reply(
                  "edge-state: every rtt entry needs \"prefix\", \"edge\" and \"ms\" >= 0");
            auto network = parse_network(r["prefix"].get<std::string>());
            if (!network) return control::error_reply("edge-state: rtt: " + network.error().text());
            rtts.push_back(
                {network_text(*network), r["edge"].get<std::string>(), r["ms"].get<double>()});
          }
        }
        auto applied = raw->report_edges(reports);
        if (!applied) return control::error_reply(applied.error().text());
        control::Json reply = control::ok_reply();
        reply["applied"] = *applied;
        if (!rtts.empty()) {
          auto rebuilt = raw->report_rtts(std::move(rtts));
          if (!rebuilt) return control::error_reply("edge-state: rtt: " + rebuilt.error().text());
          reply["version"] = *rebuilt;
        }
        return reply;
      }
      if (cmd == "explain") {
        // {"cmd":"explain","name":"www.example.com","client":"192.0.2.1","ecs":"10.1.2.0/24"}
        auto snap = raw->snapshots_.get();
        auto states = raw->states_.get();
        if (!snap->steering) return control::error_reply("explain: no steered names are served");
        auto out =
            explain_json(*snap->steering, *states, req.value("name", std::string()),
                         req.value("client", std::string()), req.value("ecs", std::string()));
        if (!out) return control::error_reply("explain: " + out.error().text());
        (*out)["version"] = snap->options.version;
        return *out;
      }
      if (cmd == "stats") {
        control::Json reply = control::ok_reply();
        uint64_t udp = 0, tcp_queries = 0, truncated = 0, dropped = 0;
        for (const auto& c : raw->counters_) {
          udp += c->queries_by_transport[0].load(std::memory_order_relaxed);
          tcp_queries += c->queries_by_transport[1].load(std::memory_order_relaxed);
          truncated += c->truncated.load(std::memory_order_relaxed);
          dropped += c->dropped.load(std::memory_order_relaxed);
        }
        reply["queries_udp"] = udp;
        reply["queries_tcp"] = tcp_queries;
        reply["truncated"] = truncated;
        reply["dropped"] = dropped;
        reply["version"] = raw->version();
        return reply;
      }
      return control::error_reply("unknown command '" + cmd +
                                  "' (status, reload, stats, edge-state, explain)");
    });
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

std::string Server::metrics_text() const {
  std::string out;
  auto sum = [&](auto pick) {
    uint64_t total = 0;
    for (const auto& c : counters_) total += pick(*c).load(std::memory_order_relaxed);
    return total;
  };
  metrics::append_header(out, "cdn_dns_queries_total", "counter",
                         "Queries answered, by transport.");
  metrics::append_sample(out, "cdn_dns_queries_total", "transport=\"udp\"",
                         sum([](QueryCounters & c) -> auto& { return c.queries_by_transport[0]; }));
  metrics::append_sample(out, "cdn_dns_queries_total", "transport=\"tcp\"",
                         sum([](QueryCounters & c) -> auto& { return c.queries_by_transport[1]; }));
  metrics::append_header(out, "cdn_dns_queries_by_qtype_total", "counter", "Queries by QTYPE.");
  for (size_t i = 0; i <= kCountedTypes.size(); ++i) {
    std::string label = i < kCountedTypes.size()
                            ? "qtype=\"" + std::to_string(kCountedTypes[i]) + "\""
                            : std::string("qtype=\"other\"");
    metrics::append_sample(out, "cdn_dns_queries_by_qtype_total", label,
                           sum([i](QueryCounters & c) -> auto& { return c.queries_by_qtype[i]; }));
  }
  metrics::append_header(out, "cdn_dns_responses_total", "counter", "Responses by RCODE.");
  static const char* kRcodeNames[24] = {"NOERROR", "FORMERR",  "SERVFAIL", "NXDOMAIN", "NOTIMP",
                                        "REFUSED", "YXDOMAIN", "YXRRSET",  "NXRRSET",  "NOTAUTH",
                                        "NOTZONE", "11",       "12",       "13",       "14",
                                        "15",      "BADVERS"};
  for (size_t i = 0; i < 24; ++i) {
    uint64_t v = sum([i](QueryCounters & c) -> auto& { return c.responses_by_rcode[i]; });
    if (v == 0 && i > 5 && i != 16) continue;
    std::string name = kRcodeNames[i] ? kRcodeNames[i] : std::to_string(i);
    metrics::append_sample(out, "cdn_dns_responses_total", "rcode=\"" + name + "\"", v);
  }
  metrics::append_header(out, "cdn_dns_responses_truncated_total", "counter",
                         "UDP responses sent with TC=1.");
  metrics::append_sample(out, "cdn_dns_responses_truncated_total", "",
                         sum([](QueryCounters & c) -> auto& { return c.truncated; }));
  metrics::append_header(out, "cdn_dns_packets_dropped_total", "counter",
                         "Packets that got no response (responses, runts).");
  metrics::append_sample(out, "cdn_dns_packets_dropped_total", "",
                         sum([](QueryCounters & c) -> auto& { return c.dropped; }));
  metrics::append_header(out, "cdn_dns_steered_answers_total", "counter",
                         "Steered answers by decision.");
  static const char* kReasons[5] = {"nearest", "spillover", "unknown_location",
                                    "all_down_serve_all", "all_down_fallback"};
  for (size_t i = 0; i < 5; ++i) {
    metrics::append_sample(out, "cdn_dns_steered_answers_total",
                           std::string("reason=\"") + kReasons[i] + "\"",
                           sum([i](QueryCounters & c) -> auto& { return c.steered_by_reason[i]; }));
  }
  metrics::append_header(out, "cdn_dns_steered_edge_answers_total", "counter",
                         "Steered answers per pool and edge (since the config version loaded).");
  if (auto snap = snapshots_.get(); snap->steering) {
    const ServedSteering& st = *snap->steering;
    for (size_t p = 0; p < st.set.pools.size(); ++p) {
      const auto& pool = st.set.pools[p];
      for (size_t e = 0; e < pool.edges.size(); ++e) {
        metrics::append_sample(
            out, "cdn_dns_steered_edge_answers_total",
            "pool=\"" + pool.name + "\",edge=\"" + st.set.edges[pool.edges[e]].name + "\"",
            st.answers(uint16_t(p), uint16_t(e)));
      }
    }
  }
  metrics::append_header(out, "cdn_dns_ecs_queries_total", "counter",
                         "Queries with an EDNS Client Subnet option.");
  metrics::append_sample(out, "cdn_dns_ecs_queries_total", "",
                         sum([](QueryCounters & c) -> auto& { return c.ecs_queries; }));
  metrics::append_header(out, "cdn_dns_ecs_scope_total", "counter",
                         "ECS answers by scope prefix length (only scopes seen).");
  for (size_t i = 0; i < 129; ++i) {
    uint64_t v = sum([i](QueryCounters & c) -> auto& { return c.ecs_scope[i]; });
    if (v != 0)
      metrics::append_sample(out, "cdn_dns_ecs_scope_total", "scope=\"" + std::to_string(i) + "\"",
                             v);
  }
  metrics::append_header(out, "cdn_dns_snapshot_version", "gauge", "Config version being served.");
  metrics::append_sample(out, "cdn_dns_snapshot_version", "", uint64_t(version()));
  return out;
}

}  // namespace cdn::dns
