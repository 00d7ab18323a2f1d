#include "dns/server/udp.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "dns/server/answer.h"

namespace cdn::dns {
namespace {
constexpr size_t kBatch = 64;
constexpr size_t kMaxQuery = 4096;     // larger queries are not DNS we answer
constexpr size_t kMaxResponse = 4096;  // UDP responses never exceed max_udp_payload (<= 4096)
}  // namespace

// Room for one IP_PKTINFO or IPV6_PKTINFO control message.
constexpr size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo));

bool is_wildcard(const net::Endpoint& ep) {
  if (ep.family() == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(ep.addr).sin_addr.s_addr == htonl(INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6&>(ep.addr).sin6_addr);
}

struct UdpWorker::Batch {
  mmsghdr in[kBatch];
  mmsghdr out[kBatch];
  iovec in_iov[kBatch];
  iovec out_iov[kBatch];
  sockaddr_storage peers[kBatch];
  // Wildcard sockets only: the address each query came to, so the answer leaves from it (on an
  // anycast box the service address sits on lo, not on the interface with the default route).
  alignas(alignof(cmsghdr)) uint8_t control[kBatch][kControlSize];
  alignas(64) uint8_t queries[kBatch][kMaxQuery];
  alignas(64) uint8_t responses[kBatch][kMaxResponse];
};

Result<UdpSocket> UdpSocket::bind(const net::Endpoint& where) {
  int fd = socket(where.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(where.text(), std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (where.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  int buf = 4 << 20;  // absorb bursts: a full receive queue drops queries silently
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  timeval tv{0, 200'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool wildcard = is_wildcard(where);
  if (wildcard && where.family() == AF_INET)
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  if (wildcard && where.family() == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&where.addr), where.len) != 0) {
    Error e(where.text(), std::string("cannot bind UDP: ") + std::strerror(errno));
    close(fd);
    return e;
  }
  return UdpSocket(fd, wildcard);
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

UdpWorker::UdpWorker(UdpSocket socket, const Published<Snapshot>& snapshots,
                     const Published<SteeringStates>& states, QueryCounters& counters)
    : socket_(std::move(socket)),
      snapshots_(snapshots),
      states_(states),
      counters_(counters),
      batch_(std::make_unique<Batch>()) {
  Batch& b = *batch_;
  std::memset(&b.in, 0, sizeof b.in);
  for (size_t i = 0; i < kBatch; ++i) {
    b.in_iov[i] = {b.queries[i], kMaxQuery};
    b.in[i].msg_hdr.msg_iov = &b.in_iov[i];
    b.in[i].msg_hdr.msg_iovlen = 1;
    b.in[i].msg_hdr.msg_name = &b.peers[i];
  }
}

UdpWorker::~UdpWorker() = default;

void UdpWorker::run(const std::stop_token& stop) {
  Batch& b = *batch_;
  // recvmmsg overwrites the address and control lengths of the entries it fills: re-arm those
  // (all of them once), not the whole batch, which would cost more than a query at low rates.
  size_t used = kBatch;
  while (!stop.stop_requested()) {
    for (size_t i = 0; i < used; ++i) {
      b.in[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      if (socket_.wildcard()) {
        b.in[i].msg_hdr.msg_control = b.control[i];
        b.in[i].msg_hdr.msg_controllen = kControlSize;
      }
    }
    int n = recvmmsg(socket_.fd(), b.in, kBatch, MSG_WAITFORONE, nullptr);
    used = 0;
    if (n <= 0) continue;  // timeout (checks stop) or EINTR
    used = size_t(n);
    auto snapshot = snapshots_.get();  // one version for the whole batch
    // Edge states matter only to steered names: no lock taken for them otherwise.
    auto states = snapshot->steering ? states_.get() : nullptr;
    unsigned out_count = 0;
    for (int i = 0; i < n; ++i) {
      size_t len =
          answer_query(*snapshot, {b.queries[i], b.in[i].msg_len}, {b.responses[i], kMaxResponse},
                       Transport::Udp, counters_, QueryContext{&b.peers[i], states.get()});
      if (len == 0) continue;
      mmsghdr& m = b.out[out_count];
      b.out_iov[out_count] = {b.responses[i], len};
      m.msg_hdr = {};
      m.msg_hdr.msg_iov = &b.out_iov[out_count];
      m.msg_hdr.msg_iovlen = 1;
      m.msg_hdr.msg_name = &b.peers[i];
      m.msg_hdr.msg_namelen = b.in[i].msg_hdr.msg_namelen;
      if (socket_.wildcard() && b.in[i].msg_hdr.msg_controllen > 0) {
        // Send from the address asked: the same PKTINFO back, the interface left to routing.
        m.msg_hdr.msg_control = b.control[i];
        m.msg_hdr.msg_controllen = b.in[i].msg_hdr.msg_controllen;
        for (cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr); c; c = CMSG_NXTHDR(&m.msg_hdr, c)) {
          if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            auto* info = reinterpret_cast<in_pktinfo*>(CMSG_DATA(c));
            info->ipi_spec_dst = info->ipi_addr;
            info->ipi_ifindex = 0;
          } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            reinterpret_cast<in6_pktinfo*>(CMSG_DATA(c))->ipi6_ifindex = 0;
          }
        }
      }
      ++out_count;
    }
    unsigned sent = 0;
    while (sent < out_count) {
      int s = sendmmsg(socket_.fd(), b.out + sent, out_count - sent, 0);
      if (s < 0) {
        if (errno == EINTR) continue;
        // A peer's unreachable port or a full buffer: skip that one response, keep going.
        ++sent;
        continue;
      }
      sent += unsigned(s);
    }
  }
}

}  // namespace cdn::dns
