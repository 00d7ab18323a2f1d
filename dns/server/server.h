// dns/server/server.h: cdn-dnsd assembled. DOC:
// The Server owns the sockets, the UDP workers (one per core and listen address), the TCP
// thread, the control socket and the metrics listener, and the Published<Snapshot> they all
// read. Zones come from files (standalone mode) or the config database (appliance mode);
// reload() builds a new snapshot off the query path and publishes it only when everything in
// it compiled, so a broken zone never replaces a working one.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/control/messages.h"
#include "common/net/endpoint.h"
#include "common/result.h"
#include "common/snapshot.h"
#include "common/store/steer_config.h"
#include "dns/server/counters.h"
#include "dns/server/load.h"
#include "dns/server/snapshot.h"
#include "dns/server/tcp.h"
#include "dns/server/udp.h"
#include "dns/steer/select.h"

namespace cdn::control {
class Server;
struct Command;
}  // namespace cdn::control
namespace cdn::metrics {
class Listener;
}

namespace cdn::dns {

struct ServerConfig {
  std::vector<std::string> listen;   // "127.0.0.1:53"; port 0 picks a free port
  unsigned threads = 0;              // UDP workers per listen address; 0 = one per core
  std::vector<ZoneFile> zone_files;  // standalone mode
  std::string db_path;               // appliance mode when not empty
  std::string control_path;          // empty = no control socket
  std::string metrics;               // "127.0.0.1:9531"; empty = none
  std::string nsid;
  std::string user;  // drop to this user after binding
  TcpOptions tcp;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerConfig config);
  ~Server();  // stops every thread, closes every socket

  // Builds and publishes a new snapshot from the configured source. Returns the version loaded.
  Result<int64_t> reload();
  std::string ready_line_fields() const;  // listen=... metrics=... control=... version=...
  std::string metrics_text() const;
  int64_t version() const { return snapshots_.get()->options.version; }

  // Edge states pushed by healthd (or a test). Unknown edges are reported back, not applied.
  // Operator overrides still win.
  Result<size_t> report_edges(const std::vector<control::EdgeReport>& reports);
  // The operator's override of one edge (cdnctl edge set-state), applied at once; the next
  // config load reads the same override from the database.
  Status set_override(const control::OverrideRequest& request);
  // Measured RTTs pushed with edge states (client prefix -> edge -> ms): they join the
  // database's latency map, so the rankings are rebuilt (a reload, off the query path).
  Result<int64_t> report_rtts(std::vector<store::LatencyEntry> entries);

 private:
  explicit Server(ServerConfig config);
  static std::vector<control::Command> commands(Server& server);  // commands.cc
  Result<Loaded> load();                          // caller holds reload_mutex_ (or is start())
  void publish_states(const Snapshot& snapshot);  // caller holds steer_mutex_
  Status bind_all();

  ServerConfig config_;
  Published<Snapshot> snapshots_;
  std::vector<net::Endpoint> endpoints_;  // resolved (port 0 replaced by the bound port)
  std::vector<std::unique_ptr<QueryCounters>> counters_;  // one block per worker, last = TCP
  std::vector<std::unique_ptr<UdpWorker>> udp_workers_;
  std::vector<std::jthread> udp_threads_;  // after the workers: joined before they go
  std::unique_ptr<TcpServer> tcp_;
  std::unique_ptr<control::Server> control_;
  std::unique_ptr<metrics::Listener> metrics_;
  std::mutex reload_mutex_;  // one reload at a time (SIGHUP and control requests); guards loader_
  SnapshotLoader loader_;
  Published<SteeringStates> states_;
  mutable std::mutex steer_mutex_;  // guards the pushed state below, orders publishing states_
  std::map<std::string, control::EdgeReport, std::less<>> pushed_;  // last pushed per edge
  std::vector<store::EdgeOverride> overrides_;         // from the loaded config version
  std::chrono::steady_clock::time_point last_push_{};  // guarded by steer_mutex_
  std::vector<store::LatencyEntry> pushed_rtts_;       // guarded by steer_mutex_
  bool stale_logged_ = false;                          // guarded by steer_mutex_
  // Watches the MaxMind DB file (a new one is loaded without a config change) and the age of
  // the pushed edge states. Declared last: stopped first.
  std::jthread watcher_;
  void watch(const std::stop_token& stop);
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace cdn::dns
