// dns/steer/ecs.cc: the ECS rules of ecs.h.
#include "dns/steer/ecs.h"

#include <algorithm>

namespace cdn::dns {

SteeringClient steering_client(const ClientSubnet* ecs, const net::Address& resolver) noexcept {
  SteeringClient c;
  c.address = resolver;
  if (ecs == nullptr) return c;
  c.from_ecs = true;
  if (ecs->source_prefix == 0) return c;  // resolver's address, scope 0
  net::Address a;
  a.family = ecs->family == 1 ? net::Family::V4 : net::Family::V6;
  const uint8_t limit = a.family == net::Family::V4 ? kMaxEcsSourceV4 : kMaxEcsSourceV6;
  std::copy(ecs->address, ecs->address + (a.family == net::Family::V4 ? 4 : 16), a.bytes.begin());
  c.source_prefix = std::min(ecs->source_prefix, limit);
  // The query's address has no bits beyond its source prefix (parse_query checks RFC 7871 6);
  // only a longer prefix than we use needs cutting, byte-wise: no 128-bit arithmetic per query.
  if (ecs->source_prefix > c.source_prefix) {
    const size_t whole = c.source_prefix / 8;
    if (c.source_prefix % 8 != 0) a.bytes[whole] &= uint8_t(0xFF << (8 - c.source_prefix % 8));
    for (size_t i = whole + (c.source_prefix % 8 != 0 ? 1 : 0); i < a.bytes.size(); ++i)
      a.bytes[i] = 0;
  }
  c.address = a;
  return c;
}

uint8_t ecs_scope(const SteeringClient& client, uint8_t matched_length) noexcept {
  if (!client.from_ecs) return matched_length;
  return std::min(matched_length, client.source_prefix);
}

}  // namespace cdn::dns
