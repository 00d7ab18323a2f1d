// tests/fuzz/query_fuzz.cc: any bytes as a query, over UDP and TCP, against a zone with every
// lookup case (wildcard, CNAME chain, DNAME, delegation with glue). The response must parse
// within the buffer and never be larger than allowed.
#include <cstdlib>

#include "dns/server/answer.h"
#include "dns/zone/loader.h"

namespace {
const cdn::dns::Snapshot& snapshot() {
  static auto snap = [] {
    auto z = cdn::dns::parse_zone_text(
        "$TTL 300\n@ SOA ns hm 1 2 3 4 60\n@ NS ns\n@ MX 10 mail\nns A 192.0.2.1\nmail A "
        "192.0.2.2\n"
        "www A 192.0.2.3\nwww AAAA 2001:db8::3\n*.w A 192.0.2.4\nc CNAME www\nc2 CNAME c\n"
        "l1 CNAME l2\nl2 CNAME l1\nd DNAME example.net.\nd2 DNAME x.example.com.\n"
        "x.example.com. A 192.0.2.6\nsub NS ns.sub\nns.sub A 192.0.2.5\na.b.c TXT \"t\"\n",
        "example.com", "fuzz");
    if (!z.ok()) std::abort();
    cdn::dns::SnapshotOptions o;
    o.nsid = "fuzz";
    auto s = cdn::dns::build_snapshot({z.zone}, o);
    if (!s) std::abort();
    return *s;
  }();
  return *snap;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static cdn::dns::QueryCounters counters;
  static uint8_t out[65535];
  for (auto t : {cdn::dns::Transport::Udp, cdn::dns::Transport::Tcp}) {
    size_t cap = t == cdn::dns::Transport::Udp ? 4096 : sizeof out;
    size_t n = cdn::dns::answer_query(snapshot(), {data, size}, {out, cap}, t, counters);
    if (n > cap) std::abort();
    if (n != 0 && n < 12) std::abort();
    if (t == cdn::dns::Transport::Udp && n > 1232 && n > 512) std::abort();
  }
  return 0;
}
