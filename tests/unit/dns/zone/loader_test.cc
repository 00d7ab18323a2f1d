// tests/unit/dns/zone/loader_test.cc: tests dns/zone/loader.cc
#include "dns/zone/loader.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cdn::dns {
namespace {

// A directory of its own under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "zone-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

WireName wire(const std::string& text) {
  auto name = name_from_text(text);
  REQUIRE_MESSAGE(name.has_value(), text);
  return *name;
}

std::vector<uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The records at `owner` (compared as written) of `type`.
std::vector<RecordData> find(const ZoneLoad& load, const std::string& owner, uint16_t type) {
  std::vector<RecordData> out;
  for (const RecordData& record : load.zone.records) {
    if (record.owner == wire(owner) && record.type == type) out.push_back(record);
  }
  return out;
}

std::string error_list(const ZoneLoad& load) {
  std::string out;
  for (const Error& error : load.errors) out += error.text() + "\n";
  return out;
}

constexpr const char* kHead =
    "$TTL 300\n"
    "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"
    "@ IN NS ns1\n"
    "ns1 IN A 192.0.2.53\n";  // a bad line placed after this is line 5

constexpr const char* kFullZone = R"($ORIGIN example.com.
$TTL 3600
@   IN  SOA ns1.example.com. hostmaster.example.com. (
            2024010101 ; serial
            7200       ; refresh
            900        ; retry
            1209600    ; expire
            300 )      ; minimum
    IN  NS   ns1
    IN  NS   ns2.example.net.
ns1 IN  A    192.0.2.53
www 300 IN A 192.0.2.1
www IN AAAA 2001:db8::1
alias IN CNAME www
old IN DNAME new.example.net.
@ IN MX 10 mail
mail IN A 192.0.2.25
@ IN TXT "v=spf1 -all" "second string"
_sip._tcp IN SRV 10 5 5060 sip
@ IN CAA 0 issue "letsencrypt.org"
ptr IN PTR www
opaque IN TYPE65280 \# 4 0a000001
)";

TEST_CASE("a zone with every common type loads in wire format with the line of each record") {
  TempDir dir;
  auto file = dir.write("example.com.zone", kFullZone);
  ZoneLoad load = load_zone_file(file, "example.com");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  CHECK(load.zone.origin == wire("example.com."));
  CHECK(load.zone.source == file.string());
  CHECK(load.zone.records.size() == 15);

  auto soa = find(load, "example.com.", 6);
  REQUIRE(soa.size() == 1);
  CHECK(soa[0].line == 3);
  CHECK(soa[0].ttl == 3600);
  auto soa_rdata = concat(wire("ns1.example.com."), wire("hostmaster.example.com."));
  soa_rdata = concat(soa_rdata, bytes({0x78, 0xa3, 0xf1, 0x75, 0,    0, 0x1c, 0x20, 0,    0,
                                       0x03, 0x84, 0,    0x12, 0x75, 0, 0,    0,    0x01, 0x2c}));
  CHECK(soa[0].rdata == soa_rdata);

  auto ns = find(load, "example.com.", 2);
  REQUIRE(ns.size() == 2);
  CHECK(ns[0].line == 9);  // blank owner: the SOA's
  CHECK(ns[0].rdata == wire("ns1.example.com."));
  CHECK(ns[1].rdata == wire("ns2.example.net."));

  auto www = find(load, "www.example.com.", 1);
  REQUIRE(www.size() == 1);
  CHECK(www[0].ttl == 300);
  CHECK(www[0].line == 12);
  CHECK(www[0].rdata == bytes({192, 0, 2, 1}));
  auto aaaa = find(load, "www.example.com.", 28);
  REQUIRE(aaaa.size() == 1);
  CHECK(aaaa[0].rdata == bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  CHECK(find(load, "alias.example.com.", 5).at(0).rdata == wire("www.example.com."));
  CHECK(find(load, "old.example.com.", 39).at(0).rdata == wire("new.example.net."));
  CHECK(find(load, "example.com.", 15).at(0).rdata ==
        concat(bytes({0, 10}), wire("mail.example.com.")));

  std::vector<uint8_t> txt = {11};
  for (char c : std::string("v=spf1 -all")) txt.push_back(static_cast<uint8_t>(c));
  txt.push_back(13);
  for (char c : std::string("second string")) txt.push_back(static_cast<uint8_t>(c));
  CHECK(find(load, "example.com.", 16).at(0).rdata == txt);

  CHECK(find(load, "_sip._tcp.example.com.", 33).at(0).rdata ==
        concat(bytes({0, 10, 0, 5, 0x13, 0xc4}), wire("sip.example.com.")));
  std::vector<uint8_t> caa = {0, 5, 'i', 's', 's', 'u', 'e'};
  for (char c : std::string("letsencrypt.org")) caa.push_back(static_cast<uint8_t>(c));
  CHECK(find(load, "example.com.", 257).at(0).rdata == caa);
  CHECK(find(load, "ptr.example.com.", 12).at(0).rdata == wire("www.example.com."));
  auto opaque = find(load, "opaque.example.com.", 65280);
  REQUIRE(opaque.size() == 1);
  CHECK(opaque[0].rdata == bytes({0x0a, 0, 0, 1}));
  CHECK(opaque[0].line == 22);
}

TEST_CASE("relative names are completed with the origin and $ORIGIN changes it") {
  ZoneLoad load = parse_zone_text(std::string(kHead) +
                                      "www IN CNAME target\n"
                                      "$ORIGIN sub\n"  // relative: sub.example.com.
                                      "host IN MX 5 @\n"
                                      "$ORIGIN example.com.\n"
                                      "back IN A 192.0.2.2\n"
                                      "*.wild IN A 192.0.2.3\n",
                                  "example.com.", "db:example.com");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  CHECK(find(load, "www.example.com.", 5).at(0).rdata == wire("target.example.com."));
  CHECK(find(load, "host.sub.example.com.", 15).at(0).rdata ==
        concat(bytes({0, 5}), wire("sub.example.com.")));
  CHECK(find(load, "back.example.com.", 1).size() == 1);
  CHECK(find(load, "*.wild.example.com.", 1).size() == 1);
}

TEST_CASE("a blank owner repeats the previous owner, also across comments") {
  ZoneLoad load = parse_zone_text(std::string(kHead) +
                                      "www IN A 192.0.2.1\n"
                                      "; a comment line\n"
                                      "\n"
                                      "    IN A 192.0.2.2 ; trailing comment\n"
                                      "\tIN AAAA 2001:db8::2\n",
                                  "example.com", "db:example.com");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  auto a = find(load, "www.example.com.", 1);
  REQUIRE(a.size() == 2);
  CHECK(a[1].line == 8);
  CHECK(find(load, "www.example.com.", 28).size() == 1);
}

TEST_CASE("$TTL sets the default TTL, an explicit TTL wins, and units are read") {
  ZoneLoad load = parse_zone_text(std::string(kHead) +
                                      "a IN A 192.0.2.1\n"
                                      "b 60 IN A 192.0.2.2\n"
                                      "c IN 1h30m A 192.0.2.3\n"
                                      "$TTL 1d\n"
                                      "d IN A 192.0.2.4\n",
                                  "example.com", "db:example.com");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  CHECK(find(load, "a.example.com.", 1).at(0).ttl == 300);
  CHECK(find(load, "b.example.com.", 1).at(0).ttl == 60);
  CHECK(find(load, "c.example.com.", 1).at(0).ttl == 5400);
  CHECK(find(load, "d.example.com.", 1).at(0).ttl == 86400);
}

TEST_CASE("without $TTL a record without a TTL gets the SOA minimum") {
  ZoneLoad load = parse_zone_text(
      "@ IN SOA ns1 hostmaster 1 7200 900 1209600 600\n"
      "@ IN NS ns1\n"
      "ns1 IN A 192.0.2.53\n"
      "www 60 IN A 192.0.2.1\n",
      "example.com", "db:example.com");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  CHECK(find(load, "example.com.", 6).at(0).ttl == 600);
  CHECK(find(load, "example.com.", 2).at(0).ttl == 600);
  CHECK(find(load, "www.example.com.", 1).at(0).ttl == 60);
}

TEST_CASE("a record without a TTL before any $TTL or SOA is an error") {
  ZoneLoad load = parse_zone_text(
      "www IN A 192.0.2.1\n"
      "@ 300 IN SOA ns1 hostmaster 1 7200 900 1209600 600\n"
      "@ IN NS ns1\n",
      "example.com", "db:example.com");
  REQUIRE(load.errors.size() == 1);
  CHECK(load.errors[0].where == "db:example.com:1");
  CHECK(load.errors[0].what == "no TTL, and no $TTL or SOA before this record");
}

TEST_CASE("$INCLUDE reads a file relative to the including one, with its own origin") {
  TempDir dir;
  dir.write("sub/hosts.inc",
            "ns1 IN A 192.0.2.53\n"
            "$ORIGIN other.example.com.\n"
            "www IN A 192.0.2.1\n");
  dir.write("sub/lab.inc", "host IN A 192.0.2.2\n");
  auto file = dir.write("example.com.zone",
                        "$TTL 300\n"
                        "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"
                        "@ IN NS ns1\n"
                        "$INCLUDE sub/hosts.inc\n"
                        "$INCLUDE \"sub/lab.inc\" lab\n"
                        "after IN A 192.0.2.9\n");
  ZoneLoad load = load_zone_file(file, "example.com.");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  CHECK(find(load, "ns1.example.com.", 1).at(0).line == 1);
  CHECK(find(load, "www.other.example.com.", 1).at(0).line == 3);
  CHECK(find(load, "host.lab.example.com.", 1).size() == 1);
  // The including file's origin is back after each $INCLUDE.
  CHECK(find(load, "after.example.com.", 1).at(0).line == 6);
}

TEST_CASE("errors in an included file name that file and its line") {
  TempDir dir;
  dir.write("hosts.inc",
            "www IN A 192.0.2.1\n"
            "www IN CNAME elsewhere.example.net.\n"
            "bad IN A 1.2.3.256\n");
  auto file = dir.write("example.com.zone", std::string(kHead) +
                                                "$INCLUDE hosts.inc\n"
                                                "$INCLUDE missing.inc\n");
  ZoneLoad load = load_zone_file(file, "example.com.");
  const std::string inc = (dir.path() / "hosts.inc").string();
  REQUIRE_MESSAGE(load.errors.size() == 3, error_list(load));
  CHECK(load.errors[0].where == inc + ":3");
  CHECK(load.errors[0].what == "bad IPv4 address '1.2.3.256' in A record");
  CHECK(load.errors[1].where == file.string() + ":6");
  CHECK(load.errors[1].what.starts_with("cannot read $INCLUDE file " +
                                        (dir.path() / "missing.inc").string() + ": "));
  CHECK(load.errors[2].where == inc + ":2");
  CHECK(load.errors[2].what.starts_with("CNAME and other data (A) at www.example.com."));
}

TEST_CASE("zone text from the database may not $INCLUDE") {
  ZoneLoad load = parse_zone_text(std::string(kHead) + "$INCLUDE /etc/passwd\n", "example.com",
                                  "db:example.com");
  REQUIRE(load.errors.size() == 1);
  CHECK(load.errors[0].where == "db:example.com:5");
  CHECK(load.errors[0].what == "$INCLUDE is only allowed in zone files");
}

TEST_CASE("an $INCLUDE loop is stopped") {
  TempDir dir;
  dir.write("loop.inc", "$INCLUDE loop.inc\n");
  auto file = dir.write("example.com.zone", std::string(kHead) + "$INCLUDE loop.inc\n");
  ZoneLoad load = load_zone_file(file, "example.com.");
  REQUIRE(load.errors.size() == 1);
  CHECK(load.errors[0].where == (dir.path() / "loop.inc").string() + ":1");
  CHECK(load.errors[0].what.find("nested more than 10 deep") != std::string::npos);
}

TEST_CASE("names keep the case they are written in") {
  ZoneLoad load = parse_zone_text(std::string(kHead) + "WWW.Example.COM. IN CNAME Target\n",
                                  "example.com", "db:example.com");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  REQUIRE(load.zone.records.size() == 4);
  CHECK(load.zone.records[3].owner == wire("WWW.Example.COM."));
  CHECK(load.zone.records[3].rdata == wire("Target.example.com."));
}

TEST_CASE("each kind of bad record is reported with its line and a readable reason") {
  struct Case {
    std::string line;
    std::string what;  // the exact reason, or its start when it ends with "..."
  };
  const std::string long_string(256, 'a');
  const std::vector<Case> cases = {
      {"x IN A 300.1.1.1", "bad IPv4 address '300.1.1.1' in A record"},
      {"x IN A 1.2.3", "bad IPv4 address '1.2.3' in A record"},
      {"x IN AAAA 2001:db8::zz", "bad IPv6 address '2001:db8::zz' in AAAA record"},
      {"x IN AA 1.2.3.4", "unknown type 'AA'"},
      {"x IN AXFR", "type 'AXFR' cannot appear in a zone"},
      {"x IN MX ten mail", "bad 16-bit number 'ten' in MX record (0 to 65535)"},
      {"x IN MX 70000 mail", "bad 16-bit number '70000' in MX record (0 to 65535)"},
      {"x IN MX 10", "missing data in MX record: needs 2 fields, found 1"},
      {"x IN A", "missing data in A record"},
      {"x IN A 192.0.2.1 192.0.2.2", "unexpected '192.0.2.2' after the data in A record"},
      {"x IN CNAME a..b", "bad domain name 'a..b' in CNAME record: empty label"},
      {"x IN DS 12345 8 2 49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51dz",
       "bad hex '49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51dz' in DS record"},
      {"x IN DS 12345 8 2 49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de 0",
       "bad hex '49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de 0' in DS record (two digits per byte)"},
      {"x IN NSEC y A MX FOO", "unknown type 'FOO' in NSEC record"},
      {"a..b IN A 192.0.2.1", "bad owner name 'a..b': ..."},
      {"x 99999999999 IN A 192.0.2.1", "TTL '99999999999' is above 2147483647 (RFC 2181 8)"},
      {"x 3000000000 IN A 192.0.2.1", "TTL '3000000000' is above 2147483647 (RFC 2181 8)"},
      {"x 1x IN A 192.0.2.1", "bad TTL '1x'"},
      {"x 300 60 A 192.0.2.1", "two TTLs: '60'"},
      {"x IN", "missing type"},
      {"x CH A 192.0.2.1", "class 'CH' is not supported: zones here are class IN only"},
      {"x IN TYPE65280 1.2.3.4",
       "type TYPE65280 is unknown here: write its data as \\# LENGTH HEX (RFC 3597)"},
      {"x IN TYPE65280 \\# 3 0a000001", "RFC 3597 length 3 does not match the 4 bytes of data"},
      {"x IN TYPE65280 \\# 4 0a0000zz", "bad hex '0a0000zz' in RFC 3597 data"},
      {"x IN TYPE65280 \\#", "missing length after \\# (RFC 3597)"},
      {"x IN A \\# 3 0a0000", "RFC 3597 data is not a valid A record"},
      {"x IN TXT \"" + long_string + "\"",
       "character string longer than 255 bytes in TXT record (split it into several)"},
      {"x IN TXT \"no end", "quoted string without its closing '\"'"},
      {"x IN CAA 0 iss-ue \"ca.example.net\"", "bad tag 'iss-ue' in CAA record"},
      {"@ IN SOA ns1 hostmaster x 7200 900 1209600 300",
       "bad 32-bit number 'x' in SOA record (0 to 4294967295)"},
      {"@ IN SOA ns1 hostmaster 1 7200 900 1209600 abc", "bad time value 'abc' in SOA record"},
      {"x IN A 192.0.2.1 )", "')' without '('"},
      {"$GENERATE 1-10 host$ A 192.0.2.$", "$GENERATE is not supported"},
      {"$FOO bar", "unknown directive '$FOO'"},
      {"$TTL abc", "bad TTL 'abc'"},
      {"$TTL", "$TTL takes one value"},
      {"$ORIGIN a..b", "bad $ORIGIN 'a..b': ..."},
  };
  for (const Case& c : cases) {
    CAPTURE(c.line);
    ZoneLoad load = parse_zone_text(std::string(kHead) + c.line + "\nafter IN A 192.0.2.99\n",
                                    "example.com", "db:example.com");
    REQUIRE_MESSAGE(load.errors.size() == 1, error_list(load));
    CHECK(load.errors[0].where == "db:example.com:5");
    if (c.what.ends_with("...")) {
      CHECK_MESSAGE(load.errors[0].what.starts_with(c.what.substr(0, c.what.size() - 3)),
                    load.errors[0].what);
    } else {
      CHECK(load.errors[0].what == c.what);
    }
    // The record after the bad one still loads.
    CHECK(find(load, "after.example.com.", 1).size() == 1);
  }
}

TEST_CASE("every error of a file is reported, each at the line its record starts on") {
  TempDir dir;
  auto file = dir.write("example.com.zone",
                        std::string(kHead) +                        // lines 1-4
                            "bad1 IN A 300.1.1.1\n"                 // 5
                            "bad2 IN AA 1.2.3.4\n"                  // 6
                            "bad3 IN MX (\n"                        // 7
                            "    ten\n"                             // 8
                            "    mail )\n"                          // 9
                            "ok IN A 192.0.2.7\n"                   // 10
                            "bad4 IN TXT \"unterminated\n"          // 11
                            "bad5 CH A 192.0.2.8\n"                 // 12
                            "other.example.org. IN A 192.0.2.10\n"  // 13
                            "bad6 IN A ( 192.0.2.9\n"               // 14
                            "   ; never closed\n");
  ZoneLoad load = load_zone_file(file, "example.com");
  const std::string f = file.string();
  std::vector<std::string> expected = {
      f + ":5: bad IPv4 address '300.1.1.1' in A record",
      f + ":6: unknown type 'AA'",
      f + ":7: bad 16-bit number 'ten' in MX record (0 to 65535)",
      f + ":11: quoted string without its closing '\"'",
      f + ":12: class 'CH' is not supported: zones here are class IN only",
      f + ":14: '(' is never closed",
      f + ":13: other.example.org. is outside the zone example.com.",
  };
  std::vector<std::string> got;
  for (const Error& error : load.errors) got.push_back(error.text());
  CHECK(got == expected);
  CHECK_FALSE(load.ok());
  CHECK(find(load, "ok.example.com.", 1).at(0).line == 10);
}

TEST_CASE("validation problems are reported after parsing") {
  ZoneLoad load = parse_zone_text(
      "$TTL 300\n"
      "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"
      "www IN A 192.0.2.1\n"
      "www IN CNAME elsewhere.example.net.\n",
      "example.com", "db:example.com");
  REQUIRE_MESSAGE(load.errors.size() == 2, error_list(load));
  CHECK(load.errors[0].text() ==
        "db:example.com:4: CNAME and other data (A) at www.example.com. (RFC 1034 3.6.2); "
        "the A is at db:example.com:3");
  CHECK(load.errors[1].text() == "db:example.com:2: no NS records at the apex example.com.");
}

TEST_CASE("a missing file and a bad origin are errors") {
  TempDir dir;
  ZoneLoad missing = load_zone_file(dir.path() / "nope.zone", "example.com");
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].where == (dir.path() / "nope.zone").string());
  CHECK(missing.errors[0].what.starts_with("cannot read the zone file: "));

  ZoneLoad bad_origin = parse_zone_text(kHead, "a..b", "db:a..b");
  REQUIRE(bad_origin.errors.size() == 1);
  CHECK(bad_origin.errors[0].what.starts_with("bad origin 'a..b'"));
}

TEST_CASE("parse_record reads one record relative to an origin") {
  auto record = parse_record("www A 192.0.2.1", "example.com", 120);
  REQUIRE_MESSAGE(record.has_value(), record.error().text());
  CHECK(record->owner == wire("www.example.com."));
  CHECK(record->type == 1);
  CHECK(record->rclass == 1);
  CHECK(record->ttl == 120);
  CHECK(record->line == 0);
  CHECK(record->rdata == bytes({192, 0, 2, 1}));

  auto mx = parse_record("@ 600 IN MX ( 10\n mail ) ; comment", "example.com.", 120);
  REQUIRE_MESSAGE(mx.has_value(), mx.error().text());
  CHECK(mx->ttl == 600);
  CHECK(mx->rdata == concat(bytes({0, 10}), wire("mail.example.com.")));

  auto caa = parse_record("@ CAA 0 issue letsencrypt.org", "example.com.", 120);
  REQUIRE_MESSAGE(caa.has_value(), caa.error().text());
  CHECK(record_to_text(*caa) == "example.com.\t120\tIN\tCAA\t0 issue \"letsencrypt.org\"");
}

TEST_CASE("parse_record refuses what is not one good record") {
  CHECK(parse_record("www IN A 300.1.1.1", "example.com", 60).error().what ==
        "bad IPv4 address '300.1.1.1' in A record");
  CHECK(parse_record("www CH A 192.0.2.1", "example.com", 60).error().what ==
        "class 'CH' is not supported: zones here are class IN only");
  CHECK(parse_record("", "example.com", 60).error().what == "empty record");
  CHECK(parse_record("  IN A 192.0.2.1", "example.com", 60).error().what ==
        "the record has no owner name");
  CHECK(parse_record("a A 192.0.2.1\nb A 192.0.2.2", "example.com", 60).error().what ==
        "more than one record");
  CHECK(parse_record("$TTL 60", "example.com", 60).error().what ==
        "directives such as $TTL are only allowed in zone files");
}

TEST_CASE("IPSECKEY records are checked field by field before ldns reads them") {
  // RFC 4025 2.5's examples: no gateway, IPv4, IPv6 and a domain name gateway.
  for (const char* good :
       {"@ IPSECKEY 10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
        "@ IPSECKEY 10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
        "@ IPSECKEY 10 2 2 2001:db8:0:8002::2000:1 "
        "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
        "@ IPSECKEY 10 3 2 mygateway.example.com. "
        "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="}) {
    auto r = parse_record(good, "example.com.", 60);
    REQUIRE_MESSAGE(r.has_value(), good << ": " << r.error().text());
    CHECK(r->type == 45);
    // ldns prints what was read: the wire form is the one RFC 4025 describes.
    CHECK(record_to_text(*r) == "example.com.\t60\tIN\tIPSECKEY\t" + std::string(good + 11));
  }
  auto v4 = parse_record("@ IPSECKEY 10 1 2 192.0.2.38 AQID", "example.com.", 60);
  REQUIRE(v4.has_value());
  CHECK(v4->rdata == bytes({10, 1, 2, 192, 0, 2, 38, 1, 2, 3}));
  auto relative = parse_record("@ IPSECKEY 1 3 2 gw AQ==", "example.com.", 60);
  REQUIRE(relative.has_value());
  CHECK(relative->rdata == concat(bytes({1, 3, 2}), concat(wire("gw.example.com."), bytes({1}))));
  auto bad = [](const char* text) { return parse_record(text, "example.com.", 60).error().what; };
  CHECK(bad("@ IPSECKEY 2.26112301 3600 *00 120 host") ==
        "bad precedence '2.26112301' in IPSECKEY record");
  CHECK(bad("@ IPSECKEY 10 4 2 . AQNR") == "bad gateway type '4' in IPSECKEY record (0 to 3)");
  CHECK(bad("@ IPSECKEY 10 1 2 2001:db8::1 AQNR") ==
        "bad gateway '2001:db8::1' for gateway type 1 in IPSECKEY record");
  CHECK(bad("@ IPSECKEY 10 0 2 . AQN*") == "bad base64 public key 'AQN*' in IPSECKEY record");
  CHECK(bad("@ IPSECKEY 10 0 2 . AQ=A") == "bad base64 public key 'AQ=A' in IPSECKEY record");
  CHECK(bad("@ IPSECKEY 10 0 2") ==
        "expected PRECEDENCE GATEWAY-TYPE ALGORITHM GATEWAY [PUBLIC-KEY] in IPSECKEY record");
}

TEST_CASE("algorithm and certificate type fields take a number or a mnemonic") {
  auto ok = parse_record("@ CERT PKIX 1 RSASHA256 AQID", "example.com.", 60);
  REQUIRE_MESSAGE(ok.has_value(), ok.error().text());
  CHECK(ok->rdata == bytes({0, 1, 0, 1, 8, 1, 2, 3}));
  auto bad = [](const char* text) { return parse_record(text, "example.com.", 60).error().what; };
  CHECK(bad("@ CERT 0 1 1 AQID") == "bad certificate type '0' in CERT record (0 is reserved)");
  CHECK(bad("@ CERT NOPE 1 1 AQID") == "bad certificate type 'NOPE' in CERT record");
  CHECK(bad("@ DS 1 FOO 1 AABB") == "bad algorithm 'FOO' in DS record");
  CHECK(bad("@ DS 1 300 1 AABB") == "bad algorithm '300' in DS record");
}

TEST_CASE("record_to_text prints absolute names separated by tabs") {
  ZoneLoad load = parse_zone_text(kFullZone, "example.com", "db:example.com");
  REQUIRE_MESSAGE(load.ok(), error_list(load));
  std::vector<std::string> lines;
  for (const RecordData& record : load.zone.records) lines.push_back(record_to_text(record));
  CHECK(lines[0] ==
        "example.com.\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 7200 "
        "900 1209600 300");
  CHECK(lines[4] == "www.example.com.\t300\tIN\tA\t192.0.2.1");
  CHECK(lines[5] == "www.example.com.\t3600\tIN\tAAAA\t2001:db8::1");
  CHECK(lines[10] == "example.com.\t3600\tIN\tTXT\t\"v=spf1 -all\" \"second string\"");
  CHECK(lines[11] == "_sip._tcp.example.com.\t3600\tIN\tSRV\t10 5 5060 sip.example.com.");
  CHECK(lines[14] == "opaque.example.com.\t3600\tIN\tTYPE65280\t\\# 4 0a000001");

  // Every printed record reads back to the same data.
  for (const RecordData& record : load.zone.records) {
    auto again = parse_record(record_to_text(record), ".", 0);
    REQUIRE_MESSAGE(again.has_value(), record_to_text(record));
    CHECK(again->owner == record.owner);
    CHECK(again->ttl == record.ttl);
    CHECK(again->rdata == record.rdata);
  }
}

TEST_CASE("record_to_text leaves out the comments ldns adds to DNSSEC records") {
  auto key = parse_record("example. 60 IN DNSKEY 257 3 8 AwEAAa b c", ".", 0);
  REQUIRE_MESSAGE(key.has_value(), key.error().text());
  CHECK(record_to_text(*key) == "example.\t60\tIN\tDNSKEY\t257 3 8 AwEAAabc");
  auto ds =
      parse_record("example. 60 IN DS 12345 8 2 49FD46E6C4B45C55 D4AC69CBD3CD34AC1AFE51DE", ".", 0);
  REQUIRE_MESSAGE(ds.has_value(), ds.error().text());
  CHECK(record_to_text(*ds) ==
        "example.\t60\tIN\tDS\t12345 8 2 49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de");
}

TEST_CASE("record_to_text falls back to RFC 3597 form for data that does not fit its type") {
  RecordData record;
  record.owner = wire("x.example.com.");
  record.type = 1;
  record.ttl = 60;
  record.rdata = bytes({1, 2, 3});
  CHECK(record_to_text(record) == "x.example.com.\t60\tIN\tTYPE1\t\\# 3 010203");
}

TEST_CASE("names convert between text and wire format with escapes") {
  CHECK(*name_from_text("example.com") == *name_from_text("example.com."));
  CHECK(*name_from_text(".") == WireName{0});
  CHECK(name_to_text(WireName{0}) == ".");
  CHECK(name_to_text(wire("Www.Example.com")) == "Www.Example.com.");
  CHECK(name_to_text(wire("a\\.b.example.")) == "a\\.b.example.");
  CHECK(name_to_text(wire("a\\032b\\255.example.")) == "a\\032b\\255.example.");
  CHECK(wire("a\\.b.example.") ==
        bytes({3, 'a', '.', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));
  CHECK_FALSE(name_from_text("").has_value());
  CHECK_FALSE(name_from_text("@").has_value());
  CHECK_FALSE(name_from_text("a..b").has_value());
  CHECK_FALSE(name_from_text(std::string(64, 'a') + ".com").has_value());

  // The same spelling as ldns prints inside records.
  auto ptr = parse_record("x\\(y IN PTR a\\;b", "example.", 60);
  REQUIRE(ptr.has_value());
  CHECK(record_to_text(*ptr) ==
        name_to_text(ptr->owner) + "\t60\tIN\tPTR\t" + name_to_text(ptr->rdata));
}

}  // namespace
}  // namespace cdn::dns
