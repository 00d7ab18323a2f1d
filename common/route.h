// common/route.h: the anycast routes healthd wants announced, as plain values, and their JSON
// form on the control socket. healthd builds a RouteSet from service states and drain plans;
// the ExaBGP bridge turns it into announce/withdraw lines. Both ends use this one codec:
//   {"routes":[{"prefix":"192.0.2.0/24","next_hop":"198.51.100.1","med":100,
//               "communities":["65000:1","65535:0"],"large_communities":["65000:1:2"],
//               "prepend":2}]}
//   {"announce":[...routes...],"withdraw":["192.0.2.0/24"]}          (a RouteDiff)
#pragma once
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/control/control.h"
#include "common/net/prefix.h"
#include "common/result.h"

namespace cdn::routing {

// RFC 1997 community "ASN:VALUE".
struct Community {
  uint16_t asn = 0;
  uint16_t value = 0;
  std::string text() const;
  auto operator<=>(const Community&) const = default;
};

// RFC 8092 large community "GLOBAL:LOCAL1:LOCAL2".
struct LargeCommunity {
  uint32_t global = 0;
  uint32_t local1 = 0;
  uint32_t local2 = 0;
  std::string text() const;
  auto operator<=>(const LargeCommunity&) const = default;
};

// RFC 8326: asks the receivers to lower the path's preference before a planned withdraw.
inline constexpr Community kGracefulShutdown{65535, 0};

Result<Community> parse_community(std::string_view text);
Result<LargeCommunity> parse_large_community(std::string_view text);

inline constexpr uint32_t kMaxPrepend = 16;

struct Route {
  net::Prefix prefix;
  net::Address next_hop;  // always explicit: IPv6 routes need an IPv6 next hop (never "self")
  std::vector<Community> communities;
  std::vector<LargeCommunity> large_communities;
  std::optional<uint32_t> med;
  // AS path: either `prepend` extra copies of our own AS (the drain tool) or an explicit path,
  // sent verbatim, which then has to start with our own AS. Neither: the plain path [local AS].
  uint32_t prepend = 0;
  std::vector<uint32_t> as_path;

  bool operator==(const Route&) const = default;
};

// Rules every route obeys whatever its source: next hop of the prefix's family, not
// unspecified, not IPv4-mapped; prepend at most kMaxPrepend and not together with as_path;
// no AS 0 in as_path. Error.where is the prefix.
Status check_route(const Route& route);

// The desired routes, one per prefix.
struct RouteSet {
  std::map<net::Prefix, Route> routes;
  bool operator==(const RouteSet&) const = default;
};

// A change to a RouteSet: routes to (re)announce, prefixes to withdraw.
struct RouteDiff {
  std::vector<Route> announce;
  std::vector<net::Prefix> withdraw;
  bool empty() const { return announce.empty() && withdraw.empty(); }
  bool operator==(const RouteDiff&) const = default;
};

// What turns `from` into `to`: changed or new routes announced, missing prefixes withdrawn.
RouteDiff diff(const RouteSet& from, const RouteSet& to);
void apply(RouteSet& set, const RouteDiff& change);

control::Json to_json(const Route& route);
control::Json to_json(const RouteSet& set);
control::Json to_json(const RouteDiff& change);
// Decoders check every route with check_route. Error.where is the JSON path ("routes[2].med").
Result<Route> route_from_json(const control::Json& json);
Result<RouteSet> route_set_from_json(const control::Json& json);
Result<RouteDiff> route_diff_from_json(const control::Json& json);

}  // namespace cdn::routing
