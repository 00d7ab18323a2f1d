// dns/server/answer.h: one query in, one response out. The whole per-query DNS work of the UDP
// and TCP paths: parse and check the query (FORMERR/NOTIMP/REFUSED), look the name up in the
// snapshot, assemble the response from pre-encoded RRsets, truncate for UDP.
// Does no I/O, takes no lock and never allocates.
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/server/counters.h"
#include "dns/server/snapshot.h"

namespace cdn::dns {

enum class Transport : uint8_t { Udp, Tcp };

struct SteeringStates;  // dns/steer/select.h

// What a query's answer may depend on besides the packet and the snapshot.
struct QueryContext {
  const sockaddr_storage* peer = nullptr;  // the resolver (steering without ECS uses it)
  const SteeringStates* states = nullptr;  // edge states for snapshot.steering; null: all up
};

// Writes the response into `out` (at least 512 bytes; 65535 for TCP) and returns its length, or 0
// when the packet gets no answer at all (a response, or too short to carry an ID).
size_t answer_query(const Snapshot& snapshot, std::span<const uint8_t> query,
                    std::span<uint8_t> out, Transport transport, QueryCounters& counters,
                    const QueryContext& context = {}) noexcept;

}  // namespace cdn::dns
