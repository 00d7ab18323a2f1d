// tests/unit/dns/zone/lookup_test.cc: tests dns/zone/lookup.cc and dns/zone/compile.cc on the
// RFC 4592 2.2.1 example zone and on delegations and DNAMEs.
#include "dns/zone/lookup.h"

#include <doctest/doctest.h>

#include <string>

#include "dns/wire/wire.h"
#include "dns/zone/loader.h"
#include "tests/support/dns_message.h"
#include "tests/support/zone_lookup.h"

using namespace cdn::dns;

namespace {

// RFC 4592 2.2.1, with the owners made relative.
const char* kRfc4592 = R"($TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ NS ns2
ns1 A 192.0.2.1
ns2 A 192.0.2.2
*.example. TXT "this is a wildcard"
*.example. MX 10 host1
host1 A 192.0.2.3
_ssh._tcp.host1 SRV 0 0 22 host1
_ssh._tcp.host2 SRV 0 0 22 host2
subdel NS ns.example.com.
subdel NS ns.example.net.
old DNAME new.example.
)";

struct Zone {
  CompiledZone zone;
  Zone() : zone(build()) {}
  static CompiledZone build() {
    auto load = parse_zone_text(kRfc4592, "example", "rfc4592");
    REQUIRE_MESSAGE(load.ok(), (load.errors.empty() ? "" : load.errors[0].text()));
    auto compiled = CompiledZone::compile(load.zone);
    REQUIRE(compiled.has_value());
    return std::move(compiled.value());
  }
  LookupResult find(const std::string& name, uint16_t qtype) const {
    return cdn::test::lookup_text(zone, name, qtype);
  }
};

}  // namespace

// The expectations of RFC 4592 2.2.1, one subcase each.
TEST_CASE("RFC 4592 2.2.1: which names the wildcard matches") {
  Zone z;
  SUBCASE("host3.example. MX matches the wildcard") {
    auto r = z.find("host3.example", type::MX);
    CHECK(r.kind == LookupKind::Answer);
    CHECK(r.wildcard);
  }
  SUBCASE("host3.example. A matches the wildcard but has no A: NODATA") {
    auto r = z.find("host3.example", type::A);
    CHECK(r.kind == LookupKind::NoData);
    CHECK(r.wildcard);
  }
  SUBCASE("foo.bar.example. TXT matches the wildcard") {
    CHECK(z.find("foo.bar.example", type::TXT).kind == LookupKind::Answer);
  }
  SUBCASE("host1.example. MX exists: no wildcard, NODATA") {
    auto r = z.find("host1.example", type::MX);
    CHECK(r.kind == LookupKind::NoData);
    CHECK_FALSE(r.wildcard);
  }
  SUBCASE("sub.*.example. MX is below the wildcard owner, not matched: NXDOMAIN") {
    CHECK(z.find("sub.*.example", type::MX).kind == LookupKind::NxDomain);
  }
  SUBCASE("_telnet._tcp.host1.example. SRV: _tcp.host1 is an empty non-terminal, NXDOMAIN") {
    CHECK(z.find("_telnet._tcp.host1.example", type::SRV).kind == LookupKind::NxDomain);
  }
  SUBCASE("host.subdel.example. A is below a delegation: a referral") {
    auto r = z.find("host.subdel.example", type::A);
    CHECK(r.kind == LookupKind::Referral);
    CHECK(r.rrset->type == type::NS);
  }
  SUBCASE("ghost.*.example. MX: below the wildcard node, NXDOMAIN") {
    CHECK(z.find("ghost.*.example", type::MX).kind == LookupKind::NxDomain);
  }
}

TEST_CASE("an empty non-terminal is NODATA, never a wildcard match") {
  Zone z;
  auto r = z.find("_tcp.host1.example", type::A);
  CHECK(r.kind == LookupKind::NoData);
  CHECK_FALSE(r.wildcard);
}

TEST_CASE("names below a DNAME are redirected; the DNAME owner itself is plain data") {
  Zone z;
  CHECK(z.find("a.b.old.example", type::A).kind == LookupKind::Dname);
  CHECK(z.find("old.example", type::DNAME).kind == LookupKind::Answer);
  CHECK(z.find("old.example", type::A).kind == LookupKind::NoData);
}

TEST_CASE("a delegation point refers everything but DS, which the parent answers") {
  Zone z;
  CHECK(z.find("subdel.example", type::A).kind == LookupKind::Referral);
  CHECK(z.find("subdel.example", type::DS).kind == LookupKind::NoData);
}

TEST_CASE("the compiler keeps one node per owner and empty non-terminal") {
  Zone z;
  // apex, ns1, ns2, *, host1, _ssh._tcp.host1, _tcp.host1, _ssh._tcp.host2, _tcp.host2,
  // host2 (empty non-terminal), subdel, old
  CHECK(z.zone.node_count() == 12);
  CHECK(z.zone.record_count() == 13);
}
