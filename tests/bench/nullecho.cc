// tests/bench/nullecho.cc: the loopback ceiling for tests/bench: a UDP "server" doing no DNS work.
//
// It receives in batches of 32 (recvmmsg), sets the QR bit of each datagram and sends it back
// (sendmmsg), on one thread. Whatever qps it reaches with qblast on this machine is the kernel's
// loopback UDP path with one core per side: no DNS server can do better here. Loopback only.
//
// Build: g++ -O2 -std=c++20 -o nullecho nullecho.cc      Run: nullecho PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
constexpr int kBatch = 32;
constexpr size_t kBytes = 4096;
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: nullecho PORT   (listens on 127.0.0.1)\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  if (port < 1 || port > 65535) {
    std::fprintf(stderr, "nullecho: bad port %s\n", argv[1]);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rcv = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "nullecho: bind 127.0.0.1:%d: %s\n", port, std::strerror(errno));
    return 1;
  }
  static unsigned char buf[kBatch][kBytes];
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_in peers[kBatch];
  std::fprintf(stderr, "level=info event=nullecho.ready listen=127.0.0.1:%d\n", port);
  for (;;) {
    std::memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {buf[i], kBytes};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &peers[i];
      msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
    }
    int got = recvmmsg(fd, msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "nullecho: recvmmsg: %s\n", std::strerror(errno));
      return 1;
    }
    for (int i = 0; i < got; ++i) {
      iov[i].iov_len = msgs[i].msg_len;
      if (msgs[i].msg_len >= 3) buf[i][2] |= 0x80;
    }
    sendmmsg(fd, msgs, unsigned(got), 0);  // a full send buffer drops answers, as a server would
  }
}
