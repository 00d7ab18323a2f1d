// tests/unit/dns/wire/query_test.cc: tests dns/wire/query.cc.
#include "dns/wire/query.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "tests/support/dns_message.h"

using namespace cdn::dns;
using cdn::test::make_query;

TEST_CASE("the question name is lower-cased with its label offsets") {
  Query q;
  auto packet = make_query("WWW.Example.COM");
  REQUIRE(parse_query(packet, q) == ParseResult::Ok);
  CHECK(q.qname_len == 17);
  CHECK(q.qname_label_count == 3);
  CHECK(q.qname[1] == 'w');
  CHECK(q.qname_labels[1] == 4);
  CHECK(q.question_end == packet.size());
}

TEST_CASE("a name longer than 255 bytes is malformed") {
  std::string name;
  for (int i = 0; i < 5; ++i) name += std::string(60, 'a') + ".";
  Query q;
  CHECK(parse_query(make_query(name), q) == ParseResult::FormErr);
}

TEST_CASE("EDNS payloads below 512 count as 512 (RFC 6891 6.2.5)") {
  cdn::test::QueryOptions o;
  o.edns = true;
  o.payload = 100;
  Query q;
  REQUIRE(parse_query(make_query("a.example", o), q) == ParseResult::Ok);
  CHECK(q.udp_payload == 512);
}

TEST_CASE("an ECS option with bits set beyond its source prefix is malformed (RFC 7871 6)") {
  cdn::test::QueryOptions o;
  o.edns = true;
  o.extra_options = {0, 8, 0, 7, 0, 1, 23, 0, 198, 51, 101};
  Query q;
  CHECK(parse_query(make_query("a.example", o), q) == ParseResult::FormErr);
  o.extra_options = {0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 101};
  CHECK(parse_query(make_query("a.example", o), q) == ParseResult::Ok);
  CHECK(q.has_ecs);
  CHECK(q.ecs.source_prefix == 24);
}

TEST_CASE("unknown EDNS options are ignored") {
  cdn::test::QueryOptions o;
  o.edns = true;
  o.extra_options = {0xFD, 0xE9, 0, 2, 1, 2};
  Query q;
  CHECK(parse_query(make_query("a.example", o), q) == ParseResult::Ok);
}

TEST_CASE("the query path hashes a name as the zone compiler does, for every label length") {
  for (size_t len : {1, 2, 7, 8, 9, 15, 16, 17, 63}) {
    std::string label;
    for (size_t i = 0; i < len; ++i) label += char(i % 2 ? 'A' + i % 26 : 'a' + i % 26);
    std::string name = label + ".Example." + label.substr(0, len / 2 + 1) + ".COM";
    auto packet = make_query(name);
    Query q;
    REQUIRE(parse_query(packet, q) == ParseResult::Ok);
    CAPTURE(name);
    CHECK(q.qname_hashes[0] == name_hash(q.qname, q.qname_len));
    for (size_t i = 0; i <= q.qname_label_count; ++i) {
      size_t off = i < q.qname_label_count ? q.qname_labels[i] : q.qname_len - 1;
      CHECK(q.qname_hashes[i] == name_hash(q.qname + off, q.qname_len - off));
    }
    auto lower = cdn::test::wire_name(name);
    for (auto& c : lower) c = ascii_lower(c);
    CHECK(std::equal(lower.begin(), lower.end(), q.qname));
  }
}
