// bgp/exabgp_config.h: exabgp.conf for ExaBGP 4.2, rendered from plain structs (filled from the
// config database by `cdnctl bgp render`), in exactly the syntax shared/notes/bgp-lab.md shows
// working with 4.2.21. Choices made here, not left to the operator:
//   - families ipv4/ipv6 unicast only (left out, ExaBGP offers about 20 AFI/SAFIs);
//   - no graceful-restart capability (a peer would keep a dead PoP's path for the restart time);
//   - an explicit hold time (default 9 s; ExaBGP's own default is 180 s);
//   - one `process` running the bridge with `encoder text`, with `neighbor-changes` so the
//     bridge learns of session re-establishment and sends its whole state again.
// CLI pipes and acks are ExaBGP environment settings, not config: exabgp_environment() renders
// them for the unit's EnvironmentFile.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace cdn::bgp {

inline constexpr uint32_t kDefaultHoldTime = 9;

struct ExabgpNeighbor {
  std::string address;  // the router: IPv4 or IPv6
  uint32_t peer_as = 0;
  std::string md5_password;   // empty: no TCP MD5 (RFC 2385); at most 80 printable characters
  std::string local_address;  // empty: ExabgpConfig::local_address; same family as `address`
  bool ipv4_unicast = true;
  bool ipv6_unicast = false;  // over an IPv4 session only with explicit IPv6 next hops
};

struct ExabgpConfig {
  uint32_t local_as = 0;
  std::string router_id;                  // IPv4 dotted quad, not 0.0.0.0
  std::string local_address;              // the address ExaBGP connects from
  uint32_t hold_time = kDefaultHoldTime;  // seconds, 3 to 65535 (RFC 4271 4.2)
  std::vector<ExabgpNeighbor> neighbors;
  std::string process_name = "cdn-bridge";
  // The bridge's command line; the program as an absolute path (ExaBGP resolves relative ones
  // against its own directory).
  std::vector<std::string> bridge_command;
};

// The whole file, or the first problem found, with Error.where naming the field
// ("neighbor 192.0.2.1", "hold-time", ...).
Result<std::string> render_exabgp_config(const ExabgpConfig& config);

// Environment for ExaBGP (systemd EnvironmentFile= syntax): CLI pipes off (the Debian unit's
// /run/exabgp FIFOs would be shared by every instance) and acks on (the bridge reads them).
std::string exabgp_environment();

}  // namespace cdn::bgp
