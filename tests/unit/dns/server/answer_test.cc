// tests/unit/dns/server/answer_test.cc: tests dns/server/answer.cc (and through it
// dns/zone/compile.cc and dns/zone/lookup.cc) on zones parsed from text.
#include "dns/server/answer.h"

#include <doctest/doctest.h>

#include <string>

#include "dns/wire/wire.h"
#include "dns/zone/loader.h"
#include "tests/support/dns_message.h"

using namespace cdn;
using namespace cdn::dns;
using test::make_query;
using test::parse_response;
using test::QueryOptions;

namespace {

const char* kZone = R"(
$TTL 3600
@        IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@        IN NS  ns1
@        IN NS  ns2.example.net.
@        IN MX  10 mail
ns1      IN A   192.0.2.53
mail     IN A   192.0.2.25
www      IN A   192.0.2.1
www      IN A   192.0.2.2
www      IN AAAA 2001:db8::1
a.b.c    IN A   192.0.2.3
*.wild   IN A   192.0.2.4
*.wild   IN TXT "wild"
host.wild IN AAAA 2001:db8::4
alias    IN CNAME www
chain    IN CNAME alias
away     IN CNAME www.example.net.
loop1    IN CNAME loop2
loop2    IN CNAME loop1
old      IN DNAME new.example.com.
x.new    IN A   192.0.2.9
sub      IN NS  ns.sub
sub      IN NS  ns.elsewhere.net.
ns.sub   IN A   192.0.2.77
big      300 IN TXT "0123456789012345678901234567890123456789012345678901234567890123456789"
)";

struct Fixture {
  std::shared_ptr<const Snapshot> snap;
  QueryCounters counters;

  explicit Fixture(SnapshotOptions options = {}) {
    std::string big;
    for (int i = 0; i < 30; ++i)
      big += "big 300 IN TXT \"record number " + std::to_string(i) +
             " with some padding to make it longer\"\n";
    auto parent = parse_zone_text(std::string(kZone) + big, "example.com", "test");
    REQUIRE_MESSAGE(parent.ok(), (parent.errors.empty() ? "" : parent.errors[0].text()));
    auto child = parse_zone_text(
        "$TTL 60\n@ SOA ns hm 1 2 3 4 60\n@ NS ns\nns A 192.0.2.100\nwww A 192.0.2.101\n",
        "child.example.com", "child");
    REQUIRE_MESSAGE(child.ok(), (child.errors.empty() ? "" : child.errors[0].text()));
    auto built = build_snapshot({parent.zone, child.zone}, options);
    REQUIRE_MESSAGE(built.has_value(), (built ? "" : built.error().text()));
    snap = *built;
  }

  test::Response ask(const std::vector<uint8_t>& query, Transport t = Transport::Udp) {
    std::vector<uint8_t> out(t == Transport::Tcp ? 65535 : 4096);
    size_t n = answer_query(*snap, query, out, t, counters);
    REQUIRE(n > 0);
    out.resize(n);
    return parse_response(out);
  }
  test::Response ask(const std::string& name, uint16_t qtype, QueryOptions o = {}) {
    o.qtype = qtype;
    return ask(make_query(name, o));
  }
};

}  // namespace

TEST_CASE("an existing name answers its RRset authoritatively, owner compressed to the question") {
  Fixture f;
  auto r = f.ask("www.example.com", type::A);
  CHECK(r.qr);
  CHECK(r.aa);
  CHECK(r.rcode == 0);
  REQUIRE(r.answer.size() == 2);
  CHECK(r.answer[0].owner == "www.example.com.");
  CHECK(r.answer[0].ttl == 3600);
  CHECK(r.authority.empty());
}

TEST_CASE("the question's case is echoed exactly") {
  Fixture f;
  auto r = f.ask("WwW.ExAmPlE.CoM", type::A);
  CHECK(r.qname_raw == "WwW.ExAmPlE.CoM.");
  CHECK(r.answer.size() == 2);
}

TEST_CASE("a missing name is NXDOMAIN with the SOA at the negative TTL (RFC 2308 3)") {
  Fixture f;
  auto r = f.ask("nope.example.com", type::A);
  CHECK(r.rcode == 3);
  CHECK(r.aa);
  REQUIRE(r.authority.size() == 1);
  CHECK(r.authority[0].type == type::SOA);
  CHECK(r.authority[0].ttl == 300);  // min(3600, MINIMUM 300)
}

TEST_CASE("an existing name without the type is NODATA") {
  Fixture f;
  auto r = f.ask("mail.example.com", type::AAAA);
  CHECK(r.rcode == 0);
  CHECK(r.answer.empty());
  REQUIRE(r.authority.size() == 1);
  CHECK(r.authority[0].type == type::SOA);
}

TEST_CASE("an empty non-terminal exists: NODATA, not NXDOMAIN") {
  Fixture f;
  CHECK(f.ask("b.c.example.com", type::A).rcode == 0);
  CHECK(f.ask("c.example.com", type::A).rcode == 0);
  CHECK(f.ask("x.c.example.com", type::A).rcode == 3);
}

TEST_CASE("wildcards synthesize the asked name, but not for names that exist (RFC 4592)") {
  Fixture f;
  auto r = f.ask("anything.wild.example.com", type::A);
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].owner == "anything.wild.example.com.");
  CHECK(f.ask("deeper.anything.wild.example.com", type::TXT).answer.size() == 1);
  auto existing = f.ask("host.wild.example.com", type::A);
  CHECK(existing.rcode == 0);
  CHECK(existing.answer.empty());  // host exists: no wildcard, NODATA
}

TEST_CASE("CNAME chains are followed inside the zone and stop at its edge") {
  Fixture f;
  auto r = f.ask("chain.example.com", type::A);
  REQUIRE(r.answer.size() == 4);
  CHECK(r.answer[0].type == type::CNAME);
  CHECK(r.answer[0].rdata_name == "alias.example.com.");
  CHECK(r.answer[1].owner == "alias.example.com.");
  CHECK(r.answer[2].owner == "www.example.com.");
  auto away = f.ask("away.example.com", type::A);
  CHECK(away.answer.size() == 1);
  CHECK(away.rcode == 0);
  auto cname = f.ask("alias.example.com", type::CNAME);
  CHECK(cname.answer.size() == 1);
}

TEST_CASE("a CNAME loop ends the chain instead of looping") {
  Fixture f;
  auto r = f.ask("loop1.example.com", type::A);
  CHECK(r.rcode == 0);
  CHECK(r.answer.size() == 2);
}

TEST_CASE("DNAME answers with the DNAME and a synthesized CNAME, then follows it (RFC 6672)") {
  Fixture f;
  auto r = f.ask("x.old.example.com", type::A);
  REQUIRE(r.answer.size() == 3);
  CHECK(r.answer[0].type == type::DNAME);
  CHECK(r.answer[0].owner == "old.example.com.");
  CHECK(r.answer[1].type == type::CNAME);
  CHECK(r.answer[1].owner == "x.old.example.com.");
  CHECK(r.answer[1].rdata_name == "x.new.example.com.");
  CHECK(r.answer[2].type == type::A);
  auto owner = f.ask("old.example.com", type::DNAME);
  CHECK(owner.answer.size() == 1);
}

TEST_CASE("a name below a delegation gets a referral with in-domain glue, not authoritative") {
  Fixture f;
  auto r = f.ask("host.sub.example.com", type::A);
  CHECK(r.rcode == 0);
  CHECK_FALSE(r.aa);
  CHECK(r.answer.empty());
  REQUIRE(r.authority.size() == 2);
  CHECK(r.authority[0].owner == "sub.example.com.");
  REQUIRE(r.additional.size() == 1);
  CHECK(r.additional[0].owner == "ns.sub.example.com.");
  auto glue = f.ask("ns.sub.example.com", type::A);
  CHECK_FALSE(glue.aa);  // glue is not authoritative data
  auto ds = f.ask("sub.example.com", type::DS);
  CHECK(ds.aa);  // DS lives in the parent (RFC 4035 3.1.4.1)
  CHECK(ds.authority.at(0).type == type::SOA);
}

TEST_CASE("the closest zone wins when parent and child are both served") {
  Fixture f;
  auto r = f.ask("www.child.example.com", type::A);
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].rdata == std::vector<uint8_t>{192, 0, 2, 101});
}

TEST_CASE("names outside every zone are REFUSED") {
  Fixture f;
  auto r = f.ask("example.org", type::A);
  CHECK(r.rcode == 5);
  CHECK_FALSE(r.aa);
}

TEST_CASE("MX answers carry the exchange's address in the additional section") {
  Fixture f;
  auto r = f.ask("example.com", type::MX);
  REQUIRE(r.answer.size() == 1);
  REQUIRE(r.additional.size() == 1);
  CHECK(r.additional[0].owner == "mail.example.com.");
}

TEST_CASE("EDNS: our payload size, DO copied, BADVERS for version 1 (RFC 6891)") {
  Fixture f;
  QueryOptions o;
  o.edns = true;
  o.dnssec_ok = true;
  auto r = f.ask("www.example.com", type::A, o);
  REQUIRE(r.has_opt);
  CHECK(r.opt_payload == 1232);
  CHECK((r.opt_ttl & 0x8000) != 0);
  o.version = 1;
  auto bad = f.ask("www.example.com", type::A, o);
  CHECK(bad.rcode == 16);
  CHECK(bad.answer.empty());
}

TEST_CASE("NSID is sent only when asked and configured (RFC 5001)") {
  SnapshotOptions options;
  options.nsid = "pop1";
  Fixture f(options);
  QueryOptions o;
  o.edns = true;
  CHECK(f.ask("www.example.com", type::A, o).opt_rdata.empty());
  o.nsid = true;
  auto r = f.ask("www.example.com", type::A, o);
  CHECK(r.opt_rdata == std::vector<uint8_t>{0, 3, 0, 4, 'p', 'o', 'p', '1'});
}

TEST_CASE("Client Subnet on a plain name is echoed with scope 0 (RFC 7871 7.2.1)") {
  Fixture f;
  QueryOptions o;
  o.edns = true;
  o.extra_options = {0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100};
  auto r = f.ask("www.example.com", type::A, o);
  CHECK(r.opt_rdata == std::vector<uint8_t>{0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100});
  o.extra_options = {0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 101, 1};  // length does not match the prefix
  CHECK(f.ask("www.example.com", type::A, o).rcode == 1);
}

TEST_CASE("a large RRset truncates over UDP and comes whole over TCP") {
  Fixture f;
  auto udp = f.ask("big.example.com", type::TXT);
  CHECK(udp.tc);
  CHECK(udp.answer.empty());
  QueryOptions o;
  o.qtype = type::TXT;
  auto tcp = f.ask(make_query("big.example.com", o), Transport::Tcp);
  CHECK_FALSE(tcp.tc);
  CHECK(tcp.answer.size() == 31);
}

TEST_CASE("malformed queries get FORMERR or no answer, never a crash") {
  Fixture f;
  std::vector<uint8_t> out(4096);
  SUBCASE("shorter than a header: dropped") {
    std::vector<uint8_t> q = {1, 2, 3};
    CHECK(answer_query(*f.snap, q, out, Transport::Udp, f.counters) == 0);
  }
  SUBCASE("a response is never answered") {
    auto q = make_query("www.example.com");
    q[2] |= 0x80;
    CHECK(answer_query(*f.snap, q, out, Transport::Udp, f.counters) == 0);
  }
  SUBCASE("two questions") {
    auto q = make_query("www.example.com");
    q[5] = 2;
    CHECK(f.ask(q).rcode == 1);
  }
  SUBCASE("a compression pointer in the question") {
    std::vector<uint8_t> q = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
    CHECK(f.ask(q).rcode == 1);
  }
  SUBCASE("a label longer than 63") {
    auto q = make_query("www.example.com");
    q[12] = 64;
    CHECK(f.ask(q).rcode == 1);
  }
  SUBCASE("trailing garbage") {
    auto q = make_query("www.example.com");
    q.push_back(0);
    CHECK(f.ask(q).rcode == 1);
  }
  SUBCASE("two OPT records") {
    QueryOptions o;
    o.edns = true;
    auto q = make_query("www.example.com", o);
    q[11] = 2;
    q.insert(q.end(), {0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0});
    CHECK(f.ask(q).rcode == 1);
  }
  SUBCASE("an opcode we do not implement") {
    QueryOptions o;
    o.opcode = 2;
    CHECK(f.ask(make_query("www.example.com", o)).rcode == 4);
  }
}

TEST_CASE("DS at the apex of a served child is answered from the parent (RFC 4035 3.1.4.1)") {
  Fixture f;
  auto r = f.ask("child.example.com", type::DS);
  CHECK(r.aa);
  REQUIRE(r.authority.size() == 1);
  CHECK(r.authority[0].owner == "example.com.");  // the parent's SOA: no DS there
  auto soa = f.ask("child.example.com", type::SOA);
  REQUIRE(soa.answer.size() == 1);
  CHECK(soa.answer[0].owner == "child.example.com.");
}
