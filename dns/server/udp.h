// dns/server/udp.h: the UDP data path. One worker thread per core and listen address, each with
// its own SO_REUSEPORT socket, receiving and sending in batches (recvmmsg/sendmmsg). A worker
// takes one snapshot per batch and does no lock, no allocation and no other syscall per query.
#pragma once
#include <memory>
#include <stop_token>
#include <vector>

#include "common/net/endpoint.h"
#include "common/result.h"
#include "common/snapshot.h"
#include "dns/server/counters.h"
#include "dns/server/snapshot.h"
#include "dns/steer/select.h"

namespace cdn::dns {

class UdpSocket {
 public:
  // Binds with SO_REUSEPORT so several workers share the address; a receive timeout lets a
  // worker notice a stop request.
  static Result<UdpSocket> bind(const net::Endpoint& where);
  UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_), wildcard_(other.wildcard_) {
    other.fd_ = -1;
  }
  UdpSocket& operator=(UdpSocket&&) = delete;
  ~UdpSocket();
  int fd() const { return fd_; }
  bool wildcard() const { return wildcard_; }  // bound to 0.0.0.0 or ::, answers via PKTINFO

 private:
  UdpSocket(int fd, bool wildcard) : fd_(fd), wildcard_(wildcard) {}
  int fd_;
  bool wildcard_;
};

class UdpWorker {
 public:
  UdpWorker(UdpSocket socket, const Published<Snapshot>& snapshots,
            const Published<SteeringStates>& states, QueryCounters& counters);
  ~UdpWorker();
  void run(const std::stop_token& stop);

 private:
  struct Batch;
  UdpSocket socket_;                         // owned: closed by its destructor
  const Published<Snapshot>& snapshots_;     // borrowed: the Server outlives its workers
  const Published<SteeringStates>& states_;  // borrowed, as snapshots_
  QueryCounters& counters_;                  // this worker's own block
  std::unique_ptr<Batch> batch_;             // preallocated, reused for every batch
};

}  // namespace cdn::dns
