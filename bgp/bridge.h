// bgp/bridge.h: cdn-exabgp-bridge, run by ExaBGP (`process` stanza, encoder text). Between
// healthd's control socket and ExaBGP's pipes; every decision is the Reconciler's
// (bgp/reconcile.h).
//
// DOC: threads and events. One thread reads ExaBGP's lines from stdin (acks, neighbor changes;
// EOF = ExaBGP is gone: exit). One thread long-polls healthd (`bridge-sync`, 1 s waits), sending
// back what ExaBGP confirmed and the reports since the last poll; an error or no answer is
// "healthd lost" and is retried every 300 ms. The main thread owns the Reconciler: it takes the
// events in order, ticks every 200 ms (the grace period), retries lines ExaBGP refused every 5 s,
// and writes each line to stdout with a flush. Logs go to stderr (ExaBGP passes them to its log).
#pragma once
#include <optional>
#include <string>

namespace cdn::bgp {

struct BridgeOptions {
  std::string db_path;         // the prefixes, the local AS, the grace period
  std::string healthd;         // cdn-healthd's control socket
  std::optional<int> grace_s;  // overrides bgp.grace
};

// Runs until ExaBGP closes stdin; the exit code (1 when the config cannot be used at start).
int run_bridge(const BridgeOptions& options);

}  // namespace cdn::bgp
