// tests/unit/dns/zone/stored_record_test.cc: tests dns/zone/stored_record.cc.
#include "dns/zone/stored_record.h"

#include <doctest/doctest.h>

#include "dns/zone/loader.h"

using namespace cdn::dns;

TEST_CASE("a stored record decodes to the record that was parsed") {
  for (const char* text :
       {"www.example.com. 300 IN A 192.0.2.1", "Mail.Example.com. 60 IN MX 10 mx.example.net.",
        "example.com. 3600 IN SOA ns1.example.com. h.example.com. 1 2 3 4 5",
        "x.example.com. 5 IN TYPE65534 \\# 3 010203"}) {
    auto record = parse_record(text, "example.com.", 0);
    REQUIRE_MESSAGE(record, text);
    RecordData back;
    REQUIRE(decode_stored_record(encode_stored_record(*record), record->ttl, back));
    CHECK_MESSAGE(back.owner == record->owner, text);  // case as written
    CHECK(back.type == record->type);
    CHECK(back.rclass == record->rclass);
    CHECK(back.ttl == record->ttl);
    CHECK(back.rdata == record->rdata);
    CHECK(record_to_text(back) == record_to_text(*record));
  }
}

TEST_CASE("bytes that are not a stored record are refused") {
  RecordData out;
  CHECK_FALSE(decode_stored_record("", 0, out));
  CHECK_FALSE(decode_stored_record(std::string("\x03www", 4), 0, out));       // no root label
  CHECK_FALSE(decode_stored_record(std::string("\x00\x00\x01", 3), 0, out));  // no class
  CHECK_FALSE(decode_stored_record(std::string("\x40", 1), 0, out));          // label > 63
  CHECK(decode_stored_record(std::string("\x00\x00\x01\x00\x01", 5), 0, out));
  CHECK(out.rdata.empty());
}
