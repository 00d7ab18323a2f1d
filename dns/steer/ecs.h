// dns/steer/ecs.h: EDNS Client Subnet (RFC 7871) rules for steering: which address a query is
// steered for, and the scope prefix length of the answer.
//   - A source prefix longer than /24 (IPv4) or /56 (IPv6) is truncated to that: finer client
//     detail does not change the answer and would only fragment resolver caches (RFC 7871 11.1).
//   - Source prefix 0 (the client asks for no subnet use): steer for the resolver's address,
//     scope 0 (RFC 7871 7.1.2).
//   - Scope = the length of the matched (merged) prefix, never longer than the source prefix
//     as truncated.
#pragma once
#include <cstdint>

#include "common/net/prefix.h"
#include "dns/wire/query.h"

namespace cdn::dns {

inline constexpr uint8_t kMaxEcsSourceV4 = 24;
inline constexpr uint8_t kMaxEcsSourceV6 = 56;

struct SteeringClient {
  net::Address address;       // what to look up
  bool from_ecs = false;      // the address came from the ECS option
  uint8_t source_prefix = 0;  // with ECS: the source prefix as truncated (0: use no subnet)
};

// `ecs`: the query's option, or null when it has none. `resolver`: the packet's source address.
SteeringClient steering_client(const ClientSubnet* ecs, const net::Address& resolver) noexcept;
// The SCOPE PREFIX-LENGTH to send for an answer whose client network has `matched_length`.
uint8_t ecs_scope(const SteeringClient& client, uint8_t matched_length) noexcept;

}  // namespace cdn::dns
