// tests/unit/dns/zone/validate_test.cc: tests dns/zone/validate.cc
#include "dns/zone/validate.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dns/zone/loader.h"

namespace cdn::dns {
namespace {

constexpr uint16_t kA = 1, kNs = 2, kCname = 5, kSoa = 6, kMx = 15, kTxt = 16, kDname = 39,
                   kRrsig = 46, kNsec = 47;

// A zone built record by record; each record's line is its position, counted from 1.
class Zone {
 public:
  explicit Zone(const std::string& origin, bool with_apex = true) {
    zone_.origin = *name_from_text(origin);
    zone_.source = "zones/test.zone";
    if (with_apex) {
      add(origin, kSoa);
      add(origin, kNs);
    }
  }
  Zone& add(const std::string& owner, uint16_t type, uint16_t rclass = 1, uint32_t ttl = 300) {
    RecordData record;
    record.owner = *name_from_text(owner);
    record.type = type;
    record.rclass = rclass;
    record.ttl = ttl;
    record.rdata = {1, 2, 3, 4};  // the rules never look at the data
    record.line = static_cast<uint32_t>(zone_.records.size() + 1);
    zone_.records.push_back(record);
    return *this;
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const Error& error : validate_zone(zone_)) out.push_back(error.text());
    return out;
  }
  ZoneData& data() { return zone_; }

 private:
  ZoneData zone_;
};

using Lines = std::vector<std::string>;

TEST_CASE("a zone with SOA and NS at the apex and ordinary data has no errors") {
  Zone zone("example.com.");
  zone.add("www.example.com.", kA).add("mail.example.com.", kA).add("example.com.", kMx);
  zone.add("alias.example.com.", kCname).add("a.b.c.example.com.", kTxt);
  CHECK(zone.errors().empty());
}

TEST_CASE("an owner outside the zone is an error naming its line and owner") {
  Zone zone("example.com.");
  zone.add("www.example.org.", kA).add("notexample.com.", kA).add("com.", kA).add(".", kA);
  CHECK(zone.errors() == Lines{
                             "zones/test.zone:3: www.example.org. is outside the zone example.com.",
                             "zones/test.zone:4: notexample.com. is outside the zone example.com.",
                             "zones/test.zone:5: com. is outside the zone example.com.",
                             "zones/test.zone:6: . is outside the zone example.com.",
                         });
}

TEST_CASE("names compare without regard to case") {
  Zone zone("Example.COM.");
  zone.add("WWW.example.com.", kA).add("www.EXAMPLE.com.", kCname);
  CHECK(zone.errors() == Lines{"zones/test.zone:4: CNAME and other data (A) at www.EXAMPLE.com. "
                               "(RFC 1034 3.6.2); the A is at zones/test.zone:3"});
}

TEST_CASE("a zone without SOA or NS says so") {
  SUBCASE("no records at all") {
    Zone zone("example.com.", false);
    CHECK(zone.errors() == Lines{"zones/test.zone: no SOA record at the apex example.com.",
                                 "zones/test.zone: no NS records at the apex example.com."});
  }
  SUBCASE("NS below the apex only: the error points at the SOA") {
    Zone zone("example.com.", false);
    zone.add("example.com.", kSoa).add("sub.example.com.", kNs);
    CHECK(zone.errors() == Lines{"zones/test.zone:1: no NS records at the apex example.com."});
  }
}

TEST_CASE("a second SOA and an SOA below the apex are errors") {
  Zone zone("example.com.");
  zone.add("EXAMPLE.com.", kSoa).add("sub.example.com.", kSoa);
  CHECK(zone.errors() ==
        Lines{"zones/test.zone:3: more than one SOA at example.com. (the first is at "
              "zones/test.zone:1)",
              "zones/test.zone:4: SOA at sub.example.com. is not at the apex example.com."});
}

TEST_CASE("CNAME and other data is reported once per RRset at the later record") {
  SUBCASE("CNAME first") {
    Zone zone("example.com.");
    zone.add("www.example.com.", kCname).add("www.example.com.", kA).add("www.example.com.", kA);
    zone.add("www.example.com.", kTxt);
    CHECK(zone.errors() == Lines{"zones/test.zone:4: CNAME and other data (A) at "
                                 "www.example.com. (RFC 1034 3.6.2); the CNAME is at "
                                 "zones/test.zone:3",
                                 "zones/test.zone:6: CNAME and other data (TXT) at "
                                 "www.example.com. (RFC 1034 3.6.2); the CNAME is at "
                                 "zones/test.zone:3"});
  }
  SUBCASE("CNAME last") {
    Zone zone("example.com.");
    zone.add("www.example.com.", kMx).add("www.example.com.", kCname);
    CHECK(zone.errors() == Lines{"zones/test.zone:4: CNAME and other data (MX) at "
                                 "www.example.com. (RFC 1034 3.6.2); the MX is at "
                                 "zones/test.zone:3"});
  }
}

TEST_CASE("RRSIG and NSEC may stand beside a CNAME") {
  Zone zone("example.com.");
  zone.add("www.example.com.", kCname).add("www.example.com.", kRrsig);
  zone.add("www.example.com.", kNsec);
  CHECK(zone.errors().empty());
}

TEST_CASE("more than one CNAME at a name is an error") {
  Zone zone("example.com.");
  zone.add("www.example.com.", kCname).add("www.example.com.", kCname);
  CHECK(zone.errors() == Lines{"zones/test.zone:4: more than one CNAME at www.example.com. (the "
                               "first is at zones/test.zone:3)"});
}

TEST_CASE("a CNAME at the apex is one error, not also CNAME and other data") {
  Zone zone("example.com.");
  zone.add("example.com.", kCname);
  CHECK(zone.errors() ==
        Lines{"zones/test.zone:3: CNAME at the apex example.com. (RFC 1034 3.6.2)"});
}

TEST_CASE("a DNAME beside a CNAME is an error") {
  Zone zone("example.com.");
  zone.add("old.example.com.", kDname).add("old.example.com.", kCname);
  CHECK(zone.errors() == Lines{"zones/test.zone:4: CNAME and DNAME at old.example.com. (RFC 6672 "
                               "2.4); the DNAME is at zones/test.zone:3"});
}

TEST_CASE("records below a DNAME are errors but data beside it is not") {
  Zone zone("example.com.");
  zone.add("old.example.com.", kDname).add("old.example.com.", kA);
  zone.add("www.old.example.com.", kA).add("a.b.OLD.example.com.", kTxt);
  zone.add("other.example.com.", kA);
  CHECK(zone.errors() ==
        Lines{"zones/test.zone:5: www.old.example.com. is below the DNAME at old.example.com. "
              "(RFC 6672 2.4)",
              "zones/test.zone:6: a.b.OLD.example.com. is below the DNAME at old.example.com. "
              "(RFC 6672 2.4)"});
}

TEST_CASE("a DNAME at the apex leaves no room for other names") {
  Zone zone("example.com.");
  zone.add("example.com.", kDname).add("www.example.com.", kA);
  CHECK(zone.errors() == Lines{"zones/test.zone:4: www.example.com. is below the DNAME at "
                               "example.com. (RFC 6672 2.4)"});
}

TEST_CASE("more than one DNAME at a name is an error") {
  Zone zone("example.com.");
  zone.add("old.example.com.", kDname).add("old.example.com.", kDname);
  CHECK(zone.errors() == Lines{"zones/test.zone:4: more than one DNAME at old.example.com. (the "
                               "first is at zones/test.zone:3)"});
}

TEST_CASE("a class other than IN is an error") {
  Zone zone("example.com.");
  zone.add("www.example.com.", kA, 3).add("txt.example.com.", kTxt, 254);
  CHECK(zone.errors() ==
        Lines{"zones/test.zone:3: class CH at www.example.com.: zones here are class IN only",
              "zones/test.zone:4: class CLASS254 at txt.example.com.: zones here are class IN "
              "only"});
}

TEST_CASE("TTLs that differ inside one RRset are not an error") {
  Zone zone("example.com.");
  zone.add("www.example.com.", kA, 1, 60).add("www.example.com.", kA, 1, 3600);
  CHECK(zone.errors().empty());
}

TEST_CASE("records without a line are named by the source alone") {
  Zone zone("example.com.");
  zone.add("www.example.org.", kA);
  zone.data().source = "db:example.com";
  zone.data().records.back().line = 0;
  CHECK(zone.errors() ==
        Lines{"db:example.com: www.example.org. is outside the zone example.com."});
}

TEST_CASE("the place of each record can come from the caller") {
  Zone zone("example.com.");
  zone.add("www.example.org.", kA);
  auto errors = validate_zone(
      zone.data(), [](size_t index) { return "inc/" + std::to_string(index) + ".zone:7"; });
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where == "inc/2.zone:7");
}

TEST_CASE("a zone at the root accepts every owner") {
  Zone zone(".");
  zone.add("com.", kNs).add("www.example.com.", kA);
  CHECK(zone.errors().empty());
}

}  // namespace
}  // namespace cdn::dns
