// tests/unit/common/store/db_test.cc: tests common/store/db.cc and diff.cc.
#include "common/store/db.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "common/store/diff.h"
#include "common/store/dns_config.h"

namespace {

using cdn::store::Config;
using cdn::store::Db;
using cdn::store::RecordRow;
using cdn::store::Transaction;
using cdn::store::ZoneRow;

struct TempDb {
  std::filesystem::path dir;
  std::string path;
  TempDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cdn-store-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    path = (dir / "config.db").string();
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
};

RecordRow rr(const std::string& owner, const std::string& type, const std::string& rdata) {
  RecordRow row;
  row.owner = owner;
  row.ttl = 300;
  row.type = type;
  row.rdata = rdata;
  return row;
}

ZoneRow example_zone() {
  return ZoneRow{
      "example.com.",
      {rr("example.com.", "SOA", "ns1.example.com. h.example.com. 1 3600 900 86400 300"),
       rr("example.com.", "NS", "ns1.example.com."), rr("www.example.com.", "A", "192.0.2.1")}};
}

Db open(const std::string& path) {
  auto db = Db::open(path);
  REQUIRE_MESSAGE(db.has_value(), db.error().text());
  return std::move(db).value();
}

int64_t commit_zone(Db& db, const ZoneRow& zone) {
  auto txn = Transaction::begin(db, "alice", "zone import");
  REQUIRE(txn);
  REQUIRE(txn->put_zone(zone));
  auto v = txn->commit("imported " + zone.name);
  REQUIRE(v);
  return *v;
}

}  // namespace

TEST_CASE("an empty database is migrated to the current schema at version 0") {
  TempDb tmp;
  auto db = open(tmp.path);
  CHECK(*db.schema_version() == cdn::store::kSchemaVersion);
  CHECK(*db.config_version() == 0);
  CHECK(db.history()->empty());
  CHECK(db.current_config()->zones.empty());
}

TEST_CASE("a database at an older schema is migrated and keeps its content") {
  TempDb tmp;
  {
    Db::Options old;
    old.schema = 1;
    auto db = Db::open(tmp.path, old);
    REQUIRE(db);
    CHECK(*db->schema_version() == 1);
    commit_zone(*db, example_zone());
    CHECK(db->exec("SELECT * FROM settings").has_value() == false);  // not there yet
  }
  auto db = open(tmp.path);
  CHECK(*db.schema_version() == cdn::store::kSchemaVersion);
  CHECK(*db.config_version() == 1);
  REQUIRE(db.zone("example.com.", 1)->has_value());
  CHECK(db.zone("example.com.", 1)->value().records.size() == 3);
  CHECK(db.exec("SELECT * FROM settings"));
}

TEST_CASE("a read-only open refuses a database that needs migrating") {
  TempDb tmp;
  {
    Db::Options old;
    old.schema = 1;
    REQUIRE(Db::open(tmp.path, old));
  }
  Db::Options ro;
  ro.read_only = true;
  auto db = Db::open(tmp.path, ro);
  REQUIRE_FALSE(db);
  CHECK(db.error().where == tmp.path);
  CHECK(db.error().what.find("cdnctl init") != std::string::npos);
}

TEST_CASE("every commit bumps the version and appends one changelog row") {
  TempDb tmp;
  auto db = open(tmp.path);
  CHECK(commit_zone(db, example_zone()) == 1);
  {
    auto txn = Transaction::begin(db, "bob", "record add example.com www A 192.0.2.2");
    REQUIRE(txn);
    CHECK(txn->version() == 2);
    REQUIRE(txn->add_record("example.com.", rr("www.example.com.", "A", "192.0.2.2")));
    CHECK(*txn->commit("added www") == 2);
  }
  CHECK(*db.config_version() == 2);
  auto history = db.history();
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].version == 2);
  CHECK((*history)[0].user == "bob");
  CHECK((*history)[0].command == "record add example.com www A 192.0.2.2");
  CHECK((*history)[0].summary == "added www");
  CHECK((*history)[0].time > 0);
  CHECK((*history)[1].version == 1);
  CHECK(db.history(1)->size() == 1);
}

TEST_CASE("records keep their source order and each version reads back exactly") {
  TempDb tmp;
  auto db = open(tmp.path);
  commit_zone(db, example_zone());
  {
    auto txn = Transaction::begin(db, "u", "c");
    REQUIRE(txn->add_record("example.com.", rr("a.example.com.", "A", "192.0.2.9")));
    REQUIRE(txn->commit("add a"));
  }
  auto v1 = db.zone("example.com.", 1)->value();
  auto v2 = db.zone("example.com.", 2)->value();
  CHECK(v1.records.size() == 3);
  REQUIRE(v2.records.size() == 4);
  CHECK(v2.records[0].type == "SOA");
  CHECK(v2.records[3].owner == "a.example.com.");
  CHECK(v2.records[3].text() == "a.example.com.\t300\tIN\tA\t192.0.2.9");
}

TEST_CASE("a transaction dropped without commit leaves nothing behind") {
  TempDb tmp;
  auto db = open(tmp.path);
  commit_zone(db, example_zone());
  {
    auto txn = Transaction::begin(db, "u", "c");
    REQUIRE(txn->add_record("example.com.", rr("b.example.com.", "A", "192.0.2.7")));
    REQUIRE(txn->set_setting("dns.nsid", "x"));
    REQUIRE(txn->delete_zone("example.com."));
  }  // no commit: rolled back
  CHECK(*db.config_version() == 1);
  CHECK(db.history()->size() == 1);
  CHECK(db.zone("example.com.", 1)->value().records.size() == 3);
  CHECK(db.settings(1)->empty());
  // And the next change gets the next number, not a skipped one.
  CHECK(commit_zone(db, ZoneRow{"example.net.", {}}) == 2);
}

TEST_CASE("a failing step inside a transaction fails the change as a whole") {
  TempDb tmp;
  auto db = open(tmp.path);
  auto txn = Transaction::begin(db, "u", "c");
  REQUIRE(txn->put_zone(example_zone()));
  auto st = txn->add_record("missing.org.", rr("x.missing.org.", "A", "192.0.2.1"));
  REQUIRE_FALSE(st);
  CHECK(st.error().what == "no zone missing.org.");
  CHECK_FALSE(txn->delete_zone("missing.org."));
}

TEST_CASE("diff lists added and removed zones, records and settings") {
  TempDb tmp;
  auto db = open(tmp.path);
  commit_zone(db, example_zone());
  {
    auto txn = Transaction::begin(db, "u", "c");
    REQUIRE(txn->add_record("example.com.", rr("new.example.com.", "A", "192.0.2.5")));
    REQUIRE(*txn->delete_record("example.com.", rr("www.example.com.", "A", "192.0.2.1")) == 1);
    REQUIRE(txn->set_setting("dns.nsid", "pop1"));
    REQUIRE(txn->put_zone(ZoneRow{"example.net.", {rr("example.net.", "NS", "ns.example.com.")}}));
    REQUIRE(txn->commit("several"));
  }
  auto d = cdn::store::diff_configs(*db.config(1), *db.config(2));
  CHECK(d.from == 1);
  CHECK(d.to == 2);
  REQUIRE(d.zones_added.size() == 1);
  CHECK(d.zones_added[0] == "example.net.");
  CHECK(d.zones_removed.empty());
  REQUIRE(d.records_added.size() == 2);
  CHECK(d.records_added[0].record == "new.example.com.\t300\tIN\tA\t192.0.2.5");
  CHECK(d.records_added[1].zone == "example.net.");
  REQUIRE(d.records_removed.size() == 1);
  CHECK(d.records_removed[0].record == "www.example.com.\t300\tIN\tA\t192.0.2.1");
  REQUIRE(d.settings.size() == 1);
  CHECK_FALSE(d.settings[0].before.has_value());
  CHECK(*d.settings[0].after == "pop1");
  CHECK(cdn::store::diff_configs(*db.config(2), *db.config(2)).empty());
}

TEST_CASE("rollback is a new version whose content equals the old one") {
  TempDb tmp;
  auto db = open(tmp.path);
  commit_zone(db, example_zone());  // v1
  {
    auto txn = Transaction::begin(db, "u", "c");  // v2
    REQUIRE(txn->set_setting("dns.listen", "127.0.0.1:5300"));
    REQUIRE(txn->add_record("example.com.", rr("x.example.com.", "A", "192.0.2.3")));
    REQUIRE(txn->commit("v2"));
  }
  {
    auto txn = Transaction::begin(db, "u", "c");  // v3
    REQUIRE(txn->delete_zone("example.com."));
    REQUIRE(txn->set_setting("dns.listen", "127.0.0.1:5301"));
    REQUIRE(txn->commit("v3"));
  }
  SUBCASE("back to v2") {
    auto txn = Transaction::begin(db, "u", "rollback 2");
    REQUIRE(txn->restore(2));
    CHECK(*txn->commit("rolled back to v2") == 4);
    CHECK(cdn::store::diff_configs(*db.config(2), *db.config(4)).empty());
    auto zone = db.zone("example.com.", 4)->value();
    REQUIRE(zone.records.size() == 4);
    CHECK(zone.records[3].owner == "x.example.com.");  // source order kept
    CHECK(db.settings(4)->at("dns.listen") == "127.0.0.1:5300");
  }
  SUBCASE("back to the empty version 0") {
    auto txn = Transaction::begin(db, "u", "rollback 0");
    REQUIRE(txn->restore(0));
    REQUIRE(txn->commit("rolled back to v0"));
    CHECK(db.current_config()->zones.empty());
    CHECK(db.current_config()->settings.empty());
  }
  SUBCASE("history is never rewritten") {
    auto txn = Transaction::begin(db, "u", "rollback 1");
    REQUIRE(txn->restore(1));
    REQUIRE(txn->commit("rolled back to v1"));
    CHECK(db.history()->size() == 4);
    CHECK(db.zone("example.com.", 3)->has_value() == false);
    CHECK(cdn::store::diff_configs(*db.config(1), *db.config(4)).empty());
  }
  SUBCASE("an unknown version is refused") {
    auto txn = Transaction::begin(db, "u", "rollback 9");
    CHECK_FALSE(txn->restore(9));
  }
}

TEST_CASE("DnsConfigRead reads the current version's zones, settings and records") {
  TempDb tmp;
  {
    auto db = open(tmp.path);
    commit_zone(db, example_zone());
    auto txn = Transaction::begin(db, "u", "c");
    REQUIRE(txn->set_setting("dns.listen", "127.0.0.1:5300, [::1]:5300"));
    REQUIRE(txn->set_setting("dns.nsid", "pop1"));
    REQUIRE(txn->commit("settings"));
  }
  auto read = cdn::store::DnsConfigRead::open(tmp.path);
  REQUIRE_MESSAGE(read.has_value(), read.error().text());
  const auto& config = (*read)->config();
  CHECK(config.version == 2);
  REQUIRE(config.zones.size() == 1);
  CHECK(config.zones[0].name == "example.com.");
  CHECK(config.zones[0].changed == 1);  // the settings change did not touch the zone
  std::vector<std::string> seen;
  REQUIRE((*read)->records("example.com.", [&](const cdn::store::RecordView& r) {
    seen.push_back(std::string(r.owner) + " " + std::string(r.type) + " " + std::string(r.rdata));
  }));
  CHECK(std::find(seen.begin(), seen.end(), "www.example.com. A 192.0.2.1") != seen.end());
  REQUIRE(config.listen.size() == 2);
  CHECK(config.listen[1] == "[::1]:5300");
  CHECK(config.nsid == "pop1");
  CHECK(config.metrics_listen == "127.0.0.1:9531");
}

TEST_CASE("DnsConfigRead lists the owners changed since a version, and their records") {
  TempDb tmp;
  {
    auto db = open(tmp.path);
    commit_zone(db, example_zone());  // v1
    auto txn = Transaction::begin(db, "u", "record add");
    REQUIRE(txn->add_record("example.com.", rr("New.example.com.", "A", "192.0.2.7")));
    REQUIRE(txn->commit("add"));  // v2
    auto del = Transaction::begin(db, "u", "record delete");
    auto n = del->delete_record("example.com.", rr("www.example.com.", "A", "192.0.2.1"));
    REQUIRE(n.has_value());
    REQUIRE(*n == 1);
    REQUIRE(del->commit("delete"));  // v3
  }
  auto read = cdn::store::DnsConfigRead::open(tmp.path);
  REQUIRE(read.has_value());
  auto since1 = (*read)->changed_owners("example.com.", 1, 10);
  REQUIRE(since1.has_value());
  REQUIRE(since1->has_value());
  std::vector<std::string> owners = **since1;
  std::sort(owners.begin(), owners.end());
  CHECK(owners == std::vector<std::string>{"new.example.com.", "www.example.com."});
  auto since2 = (*read)->changed_owners("example.com.", 2, 10);
  REQUIRE(since2.has_value());
  CHECK(**since2 == std::vector<std::string>{"www.example.com."});
  auto limited = (*read)->changed_owners("example.com.", 1, 1);
  REQUIRE(limited.has_value());
  CHECK_FALSE(limited->has_value());  // more than the limit: compile whole
  auto rows = (*read)->owner_records("example.com.", "new.example.com.");
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].rdata == "192.0.2.7");
}

TEST_CASE("DnsConfigRead names the path when there is no database") {
  auto read = cdn::store::DnsConfigRead::open("/nonexistent/dir/config.db");
  REQUIRE_FALSE(read);
  CHECK(read.error().where == "/nonexistent/dir/config.db");
}
