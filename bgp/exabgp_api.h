// bgp/exabgp_api.h: the one ExaBGP text codec. Routes become the lines ExaBGP 4.2 reads from a
// `process` with `encoder text` (shared/notes/bgp-lab.md, "API lines that worked"):
//   announce route 192.0.2.0/24 next-hop 198.51.100.1 med 100 community [ 65000:1 65535:0 ]
//            large-community [ 65000:1:2 ] as-path [ 64510 64510 64510 ]
//   withdraw route 192.0.2.0/24 next-hop 198.51.100.1
// and the lines ExaBGP writes back on the process's stdin become Replies: `done` or `error`
// for each command, in order, and with `api { neighbor-changes; }` session events such as
// `neighbor 192.0.2.1 up`.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "common/net/prefix.h"
#include "common/result.h"
#include "common/route.h"

namespace cdn::bgp {

// check_route, plus: an explicit AS path starts with our own AS. ExaBGP sends `as-path [...]`
// verbatim without adding the local AS, and real routers drop paths whose first AS is not the
// neighbour's (bird does not check, so the lab would not show it).
Status check_announceable(const routing::Route& route, uint32_t local_as);

// The AS path is left out when there is no prepend and no explicit path (ExaBGP then sends
// [local AS]); a prepend of N becomes N+1 copies of `local_as`. No newline at the end.
std::string announce_line(const routing::Route& route, uint32_t local_as);
// The next hop is the one the prefix was (or would be) announced with.
std::string withdraw_line(const net::Prefix& prefix, const net::Address& next_hop);

enum class Action : uint8_t { Announce, Withdraw };

struct Command {
  Action action = Action::Announce;
  routing::Route route;  // for a withdraw only prefix and next_hop are set
  bool operator==(const Command&) const = default;
};

// Reads one announce/withdraw line back (as written above; attributes in any order, brackets
// with or without inner spaces). An AS path made only of copies of `local_as` reads back as a
// prepend. For tests and for tools that show what was sent; Error.where is the line.
Result<Command> parse_command(std::string_view line, uint32_t local_as);

enum class ReplyKind : uint8_t {
  Done,          // the oldest unanswered command was accepted (not: the peer accepted the route)
  Error,         // the oldest unanswered command was refused
  NeighborUp,    // a session (re-)established
  NeighborDown,  // a session went down
  Shutdown,      // ExaBGP is stopping
  Unknown,       // anything else: logged, never counted as an answer
};

struct Reply {
  ReplyKind kind = ReplyKind::Unknown;
  std::string neighbor;  // for NeighborUp/NeighborDown
  std::string text;      // the line without its line end
};

Reply parse_reply(std::string_view line);

}  // namespace cdn::bgp
