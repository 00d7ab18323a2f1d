// tests/bench/qblast.cc: closed-loop UDP DNS load generator for loopback benchmarks.
//
// DOC: dnsperf spends a whole client core near 150k qps on this project's 2-core machine, below
// what one server core answers (tests/bench/README.md), so `make bench` drives the servers with
// this instead. It keeps a bounded number of queries outstanding over N connected UDP sockets,
// sends and receives in batches of 32 (sendmmsg/recvmmsg), stamps each query ID with its send time
// for latency, and counts a query lost after a timeout (2 s). A run ends at the duration (-l) or
// the query count (-n), whichever comes first, plus at most one timeout to collect answers.
// Queries come from a dnsperf data file: "name TYPE" text lines, or with -B dnsperf's binary
// format (2-byte big-endian length + wire message). The ID is rewritten on every send.
// Targets outside 127.0.0.0/8 and ::1 are refused: this is a loopback benchmark tool.
//
// Build: g++ -O2 -std=c++20 -o qblast qblast.cc    (no dependencies beyond libc)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kBatch = 32;
constexpr int kMaxSockets = 256;
constexpr size_t kMaxQueryBytes = 4096;
constexpr size_t kRecvBytes = 4096;
// How often in-flight queries are checked for loss.
constexpr uint64_t kScanIntervalNs = 50'000'000;
constexpr uint64_t kNsPerSec = 1'000'000'000;

const char* const kRcodeNames[16] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",  "RCODE11",  "RCODE12", "RCODE13", "RCODE14",  "RCODE15"};

struct Options {
  std::string server = "127.0.0.1";
  int port = 53;
  std::string datafile;
  bool binary = false;
  int sockets = 8;
  int outstanding = 1000;
  double seconds = 10;
  uint64_t max_queries = 100'000'000;
  double max_qps = 0;  // 0: as fast as answers come back
  double timeout = 2;
  bool edns = false;
  bool rd = true;  // dnsperf sets RD; so do we, for comparable packets
};

// All queries of the data file, back to back; ID bytes are rewritten in the send copy.
struct QuerySet {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> offset;
  std::vector<uint16_t> length;
  size_t size() const { return offset.size(); }
};

// One entry per DNS ID: an ID is in flight at most once.
struct Slot {
  uint64_t sent_ns = 0;
  uint16_t socket = 0;
  bool in_flight = false;
};

volatile std::sig_atomic_t g_interrupted = 0;

double cpu_seconds() {  // user + system time of this process
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * kNsPerSec + uint64_t(ts.tv_nsec);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "qblast: %s\n", what.c_str());
  std::exit(1);
}

void usage() {
  std::fprintf(stderr,
               "usage: qblast -d datafile [-B] [-s 127.0.0.1|::1] [-p port] [-c sockets]\n"
               "              [-q outstanding] [-l seconds] [-n max_queries] [-Q max_qps]\n"
               "              [-t timeout] [-e] [-r]\n"
               "  -d  dnsperf data file: 'name TYPE' lines, or with -B 2-byte length + wire\n"
               "  -c  connected UDP sockets (default 8)       -q  outstanding (default 1000)\n"
               "  -l  seconds (default 10, at most 3600)      -n  max queries (default 1e8)\n"
               "  -Q  max queries per second (default: none)  -t  loss timeout (default 2 s)\n"
               "  -e  add EDNS0 (payload 1232)                -r  clear RD (default: set)\n");
  std::exit(2);
}

uint16_t type_code(std::string_view t) {
  struct Named {
    const char* name;
    uint16_t code;
  };
  static const Named kTypes[] = {
      {"A", 1},      {"NS", 2},     {"CNAME", 5}, {"SOA", 6},     {"PTR", 12},
      {"MX", 15},    {"TXT", 16},   {"AAAA", 28}, {"SRV", 33},    {"NAPTR", 35},
      {"DS", 43},    {"RRSIG", 46}, {"NSEC", 47}, {"DNSKEY", 48}, {"SVCB", 64},
      {"HTTPS", 65}, {"CAA", 257},  {"ANY", 255}, {"AXFR", 252},
  };
  for (const auto& n : kTypes) {
    if (t.size() == std::strlen(n.name) && strncasecmp(t.data(), n.name, t.size()) == 0) {
      return n.code;
    }
  }
  if (t.size() > 4 && strncasecmp(t.data(), "TYPE", 4) == 0) {
    long v = std::strtol(std::string(t.substr(4)).c_str(), nullptr, 10);
    if (v > 0 && v < 65536) return uint16_t(v);
  }
  return 0;
}

// "www.example.com A" -> wire query with ID 0. Returns false on a malformed line.
bool encode_text_query(std::string_view name, std::string_view type, const Options& opt,
                       std::vector<uint8_t>& out) {
  uint16_t qtype = type_code(type);
  if (qtype == 0) return false;
  const uint8_t flags_hi = opt.rd ? 0x01 : 0x00;
  const uint8_t header[12] = {0, 0, flags_hi, 0, 0, 1, 0, 0, 0, 0, 0, uint8_t(opt.edns ? 1 : 0)};
  size_t start = out.size();
  out.insert(out.end(), header, header + 12);
  if (name == ".") name = "";
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  size_t wire_name = 1;
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return out.resize(start), false;
    wire_name += label.size() + 1;
    out.push_back(uint8_t(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  if (wire_name > 255) return out.resize(start), false;
  out.push_back(0);
  const uint8_t question[4] = {uint8_t(qtype >> 8), uint8_t(qtype), 0, 1};  // class IN
  out.insert(out.end(), question, question + 4);
  if (opt.edns) {  // RFC 6891 OPT: root name, type 41, payload 1232, no options
    const uint8_t opt_rr[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    out.insert(out.end(), opt_rr, opt_rr + 11);
  }
  return true;
}

QuerySet read_queries(const Options& opt) {
  FILE* f = std::fopen(opt.datafile.c_str(), "rb");
  if (!f) die("cannot open " + opt.datafile + ": " + std::strerror(errno));
  std::vector<uint8_t> raw;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) raw.insert(raw.end(), buf, buf + n);
  std::fclose(f);

  QuerySet set;
  auto add = [&](size_t start) {
    size_t len = set.bytes.size() - start;
    if (len < 12 || len > kMaxQueryBytes)
      die("query " + std::to_string(set.size() + 1) + " has " + std::to_string(len) + " bytes");
    set.offset.push_back(uint32_t(start));
    set.length.push_back(uint16_t(len));
  };
  if (opt.binary) {
    size_t pos = 0;
    while (pos + 2 <= raw.size()) {
      size_t len = size_t(raw[pos]) << 8 | raw[pos + 1];
      pos += 2;
      if (pos + len > raw.size())
        die(opt.datafile + ": truncated message at byte " + std::to_string(pos - 2));
      size_t start = set.bytes.size();
      set.bytes.insert(set.bytes.end(), raw.begin() + long(pos), raw.begin() + long(pos + len));
      add(start);
      pos += len;
    }
    if (pos != raw.size()) die(opt.datafile + ": trailing byte after the last message");
  } else {
    std::string_view text(reinterpret_cast<const char*>(raw.data()), raw.size());
    size_t line_no = 0;
    while (!text.empty()) {
      size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      size_t b = line.find_first_not_of(" \t");
      if (b == std::string_view::npos || line[b] == ';' || line[b] == '#') continue;
      line = line.substr(b);
      size_t sp = line.find_first_of(" \t");
      std::string_view name = line.substr(0, sp);
      std::string_view type = "A";
      if (sp != std::string_view::npos) {
        std::string_view rest = line.substr(sp);
        size_t tb = rest.find_first_not_of(" \t");
        if (tb != std::string_view::npos) {
          rest = rest.substr(tb);
          type = rest.substr(0, rest.find_first_of(" \t"));
        }
      }
      size_t start = set.bytes.size();
      if (!encode_text_query(name, type, opt, set.bytes)) {
        die(opt.datafile + ":" + std::to_string(line_no) + ": cannot encode '" + std::string(line) +
            "'");
      }
      add(start);
    }
  }
  if (set.size() == 0) die(opt.datafile + ": no queries");
  return set;
}

// Loopback only: 127.0.0.0/8 or ::1. Fills addr; dies on anything else.
socklen_t loopback_target(const Options& opt, sockaddr_storage& addr) {
  std::memset(&addr, 0, sizeof addr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, opt.server.c_str(), &v4->sin_addr) == 1) {
    if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) {
      die("refusing target " + opt.server + ": only 127.0.0.0/8 and ::1 are allowed");
    }
    v4->sin_family = AF_INET;
    v4->sin_port = htons(uint16_t(opt.port));
    return sizeof(sockaddr_in);
  }
  if (inet_pton(AF_INET6, opt.server.c_str(), &v6->sin6_addr) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
      die("refusing target " + opt.server + ": only 127.0.0.0/8 and ::1 are allowed");
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(uint16_t(opt.port));
    return sizeof(sockaddr_in6);
  }
  die("target must be a numeric loopback address (127.0.0.0/8 or ::1), not '" + opt.server + "'");
}

Options parse_options(int argc, char** argv) {
  Options opt;
  int c;
  while ((c = getopt(argc, argv, "s:p:d:Bc:q:l:n:Q:t:erh")) != -1) {
    switch (c) {
      case 's':
        opt.server = optarg;
        break;
      case 'p':
        opt.port = std::atoi(optarg);
        break;
      case 'd':
        opt.datafile = optarg;
        break;
      case 'B':
        opt.binary = true;
        break;
      case 'c':
        opt.sockets = std::atoi(optarg);
        break;
      case 'q':
        opt.outstanding = std::atoi(optarg);
        break;
      case 'l':
        opt.seconds = std::atof(optarg);
        break;
      case 'n':
        opt.max_queries = std::strtoull(optarg, nullptr, 10);
        break;
      case 'Q':
        opt.max_qps = std::atof(optarg);
        break;
      case 't':
        opt.timeout = std::atof(optarg);
        break;
      case 'e':
        opt.edns = true;
        break;
      case 'r':
        opt.rd = false;
        break;
      default:
        usage();
    }
  }
  if (optind != argc || opt.datafile.empty()) usage();
  if (opt.port < 1 || opt.port > 65535) die("port must be 1..65535");
  if (opt.sockets < 1 || opt.sockets > kMaxSockets) die("sockets must be 1..256");
  // An ID identifies a query, so no more than 65536 can be in flight.
  if (opt.outstanding < 1 || opt.outstanding > 65536) die("outstanding must be 1..65536");
  if (!(opt.seconds > 0 && opt.seconds <= 3600)) die("seconds must be in (0, 3600]");
  if (opt.max_queries < 1) die("max queries must be at least 1");
  if (!(opt.timeout > 0 && opt.timeout <= 4)) die("timeout must be in (0, 4] seconds");
  if (opt.max_qps < 0) die("max qps must be positive");
  return opt;
}

struct Stats {
  uint64_t sent = 0, completed = 0, lost = 0, unexpected = 0, send_errors = 0;
  uint64_t request_bytes = 0, response_bytes = 0, truncated = 0;
  uint64_t rcodes[16] = {};
  std::vector<uint32_t> latency_ns;  // one per completed query; < 4.3 s fits (timeout <= 4 s)
};

void print_report(const Stats& s, double run_s, double cpu_s) {
  auto pct = [&](uint64_t n) { return s.sent ? 100.0 * double(n) / double(s.sent) : 0.0; };
  std::printf("Statistics:\n\n");
  std::printf("  Queries sent:         %llu\n", (unsigned long long)s.sent);
  std::printf("  Queries completed:    %llu (%.2f%%)\n", (unsigned long long)s.completed,
              pct(s.completed));
  std::printf("  Queries lost:         %llu (%.2f%%)\n", (unsigned long long)s.lost, pct(s.lost));
  if (s.send_errors)
    std::printf("  Send errors:          %llu\n", (unsigned long long)s.send_errors);
  if (s.unexpected) {
    std::printf("  Unexpected responses: %llu\n", (unsigned long long)s.unexpected);
  }
  std::printf("\n  Response codes:       ");
  bool first = true;
  for (int i = 0; i < 16; ++i) {
    if (!s.rcodes[i]) continue;
    std::printf("%s%s %llu (%.2f%%)", first ? "" : ", ", kRcodeNames[i],
                (unsigned long long)s.rcodes[i],
                s.completed ? 100.0 * double(s.rcodes[i]) / double(s.completed) : 0.0);
    first = false;
  }
  std::printf("%s\n", first ? "none" : "");
  std::printf("  Average packet size:  request %llu, response %llu\n",
              (unsigned long long)(s.sent ? s.request_bytes / s.sent : 0),
              (unsigned long long)(s.completed ? s.response_bytes / s.completed : 0));
  if (s.truncated) std::printf("  Truncated (TC):       %llu\n", (unsigned long long)s.truncated);
  std::printf("  Run time (s):         %.6f\n", run_s);
  std::printf("  Queries per second:   %.6f\n", run_s > 0 ? double(s.completed) / run_s : 0.0);
  std::printf("  Client CPU (s):       %.3f\n\n", cpu_s);  // whole process, file reading included

  std::vector<uint32_t> lat = s.latency_ns;
  if (lat.empty()) {
    std::printf("  Average Latency (s):  n/a (no answers)\n");
    return;
  }
  double sum = 0, sum_sq = 0;
  for (uint32_t v : lat) {
    double x = double(v) / 1e9;
    sum += x;
    sum_sq += x * x;
  }
  double n = double(lat.size());
  double avg = sum / n;
  double sd = n > 1 ? std::sqrt(std::max(0.0, (sum_sq - sum * sum / n) / (n - 1))) : 0.0;
  auto [lo, hi] = std::minmax_element(lat.begin(), lat.end());
  double min_s = *lo / 1e9, max_s = *hi / 1e9;
  size_t k99 = size_t(std::ceil(0.99 * n)) - 1;
  std::nth_element(lat.begin(), lat.begin() + long(k99), lat.end());
  std::printf("  Average Latency (s):  %.6f (min %.6f, max %.6f)\n", avg, min_s, max_s);
  std::printf("  p99 Latency (s):      %.6f\n", lat[k99] / 1e9);
  std::printf("  Latency StdDev (s):   %.6f\n", sd);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_options(argc, argv);
  sockaddr_storage target;
  socklen_t target_len = loopback_target(opt, target);
  QuerySet queries = read_queries(opt);

  std::vector<int> fds;
  std::vector<pollfd> pfds;
  for (int i = 0; i < opt.sockets; ++i) {
    int fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
    int rcv = 4 << 20, snd = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
    if (connect(fd, reinterpret_cast<sockaddr*>(&target), target_len) != 0) {
      die(std::string("connect: ") + std::strerror(errno));
    }
    fds.push_back(fd);
    pfds.push_back({fd, POLLIN, 0});
  }

  struct sigaction sa {};
  sa.sa_handler = [](int) { g_interrupted = 1; };
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::printf(
      "[Status] qblast: %zu queries from %s; target %s port %d; %d sockets, %d outstanding, "
      "batch %d, %.3g s or %llu queries%s\n",
      queries.size(), opt.datafile.c_str(), opt.server.c_str(), opt.port, opt.sockets,
      opt.outstanding, kBatch, opt.seconds, (unsigned long long)opt.max_queries,
      opt.max_qps > 0 ? (", at most " + std::to_string(long(opt.max_qps)) + " qps").c_str() : "");
  std::fflush(stdout);

  // IDs are handed out first-in first-out, so an ID freed by a loss is reused as late as possible
  // and a straggling answer is unlikely to be matched to a newer query.
  std::vector<Slot> slots(65536);
  std::vector<uint16_t> free_ids(65536);
  for (uint32_t i = 0; i < 65536; ++i) free_ids[i] = uint16_t(i * 40503u);  // odd step: permutation
  uint64_t free_head = 0, free_tail = 65536;  // ring indices modulo 65536
  auto take_id = [&] { return free_ids[free_head++ & 0xffff]; };
  auto give_id = [&](uint16_t id) { free_ids[free_tail++ & 0xffff] = id; };

  Stats st;
  st.latency_ns.reserve(size_t(std::min<uint64_t>(opt.max_queries, 8'000'000)));
  uint64_t in_flight = 0;
  size_t next_query = 0;

  std::vector<uint8_t> send_buf(size_t(kBatch) * kMaxQueryBytes);
  std::vector<uint8_t> recv_buf(size_t(kBatch) * kRecvBytes);
  mmsghdr send_msgs[kBatch], recv_msgs[kBatch];
  iovec send_iov[kBatch], recv_iov[kBatch];
  uint16_t batch_ids[kBatch];
  std::memset(send_msgs, 0, sizeof send_msgs);
  std::memset(recv_msgs, 0, sizeof recv_msgs);
  for (int i = 0; i < kBatch; ++i) {
    send_iov[i].iov_base = send_buf.data() + size_t(i) * kMaxQueryBytes;
    send_msgs[i].msg_hdr.msg_iov = &send_iov[i];
    send_msgs[i].msg_hdr.msg_iovlen = 1;
    recv_iov[i] = {recv_buf.data() + size_t(i) * kRecvBytes, kRecvBytes};
    recv_msgs[i].msg_hdr.msg_iov = &recv_iov[i];
    recv_msgs[i].msg_hdr.msg_iovlen = 1;
  }

  const uint64_t timeout_ns = uint64_t(opt.timeout * 1e9);
  const uint64_t start = now_ns();
  const uint64_t send_deadline = start + uint64_t(opt.seconds * 1e9);
  const uint64_t hard_deadline = send_deadline + timeout_ns + kNsPerSec / 2;
  uint64_t sending_stopped = 0, last_answer = start, next_scan = start + kScanIntervalNs;
  int rr = 0, idle_passes = 0;

  for (;;) {
    uint64_t now = now_ns();
    bool sending = now < send_deadline && st.sent < opt.max_queries && !g_interrupted;
    if (!sending && sending_stopped == 0) sending_stopped = now;
    if (!sending && in_flight == 0) break;
    if (now >= hard_deadline) break;  // whatever is still in flight is counted lost below
    bool progressed = false;

    if (sending) {
      uint64_t budget =
          std::min<uint64_t>(uint64_t(opt.outstanding) - in_flight, opt.max_queries - st.sent);
      if (opt.max_qps > 0) {
        double allowed = opt.max_qps * double(now - start) / 1e9 + 1 - double(st.sent);
        budget = std::min<uint64_t>(budget, allowed > 0 ? uint64_t(allowed) : 0);
      }
      // At most one batch per socket per pass, so receiving keeps up with sending.
      for (int b = 0; b < opt.sockets && budget > 0; ++b) {
        int n = int(std::min<uint64_t>(budget, kBatch));
        for (int i = 0; i < n; ++i) {
          size_t q = next_query++;
          if (next_query == queries.size()) next_query = 0;
          uint16_t id = take_id();
          batch_ids[i] = id;
          auto* dst = static_cast<uint8_t*>(send_iov[i].iov_base);
          std::memcpy(dst, queries.bytes.data() + queries.offset[q], queries.length[q]);
          dst[0] = uint8_t(id >> 8);
          dst[1] = uint8_t(id);
          send_iov[i].iov_len = queries.length[q];
        }
        int sock = rr;
        rr = rr + 1 == opt.sockets ? 0 : rr + 1;
        int done = sendmmsg(fds[size_t(sock)], send_msgs, unsigned(n), 0);
        if (done < 0) {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
              errno != ECONNREFUSED) {
            die(std::string("sendmmsg: ") + std::strerror(errno));
          }
          ++st.send_errors;
          done = 0;
        }
        uint64_t t = now_ns();
        for (int i = 0; i < done; ++i) {
          Slot& s = slots[batch_ids[i]];
          s = {t, uint16_t(sock), true};
          st.request_bytes += send_iov[i].iov_len;
        }
        for (int i = done; i < n; ++i) give_id(batch_ids[i]);  // not sent: the ID is free again
        if (done < n)
          next_query = (next_query + queries.size() - size_t(n - done)) % queries.size();
        st.sent += uint64_t(done);
        in_flight += uint64_t(done);
        budget -= uint64_t(n);
        if (done > 0) progressed = true;
        if (done < n) break;  // socket buffer full: let answers drain first
      }
    }

    for (int sock = 0; sock < opt.sockets; ++sock) {
      int got = recvmmsg(fds[size_t(sock)], recv_msgs, kBatch, MSG_DONTWAIT, nullptr);
      if (got <= 0) continue;  // EAGAIN, or ECONNREFUSED from an ICMP: queries time out
      uint64_t t = now_ns();
      progressed = true;
      for (int i = 0; i < got; ++i) {
        const uint8_t* p = static_cast<const uint8_t*>(recv_iov[i].iov_base);
        size_t len = recv_msgs[i].msg_len;
        if (len < 12 || !(p[2] & 0x80)) {
          ++st.unexpected;
          continue;
        }
        uint16_t id = uint16_t(p[0] << 8 | p[1]);
        Slot& s = slots[id];
        if (!s.in_flight || s.socket != sock) {
          ++st.unexpected;  // late answer to a query already counted lost, or a stray
          continue;
        }
        s.in_flight = false;
        give_id(id);
        --in_flight;
        ++st.completed;
        ++st.rcodes[p[3] & 0x0f];
        if (p[2] & 0x02) ++st.truncated;
        st.response_bytes += len;
        st.latency_ns.push_back(uint32_t(t - s.sent_ns));
      }
      last_answer = t;
    }

    if (now >= next_scan) {
      next_scan = now + kScanIntervalNs;
      for (uint32_t id = 0; id < 65536 && in_flight > 0; ++id) {
        Slot& s = slots[id];
        if (s.in_flight && s.sent_ns + timeout_ns <= now) {  // sent_ns may be after now
          s.in_flight = false;
          give_id(uint16_t(id));
          --in_flight;
          ++st.lost;
        }
      }
    }

    // Spin while busy; when nothing moves for a while (rate limit, or waiting on a slow or
    // silent server), block in poll for at most 1 ms.
    if (progressed) {
      idle_passes = 0;
    } else if (++idle_passes > 64) {
      poll(pfds.data(), pfds.size(), 1);
    }
  }
  st.lost += in_flight;

  uint64_t end = std::max(sending_stopped ? sending_stopped : now_ns(), last_answer);
  print_report(st, double(end - start) / 1e9, cpu_seconds());
  for (int fd : fds) close(fd);
  return 0;
}
