// tests/unit/dns/server/load_test.cc: tests dns/server/load.cc: what a reload keeps and what it
// rebuilds, and that a broken stored zone changes nothing.
#include "dns/server/load.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/store/db.h"
#include "dns/zone/loader.h"
#include "dns/zone/lookup.h"
#include "dns/zone/stored_record.h"

namespace {

using namespace cdn;

struct TempDb {
  std::string path;
  TempDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cdn-load-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl + "/config.db";
  }
  ~TempDb() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
};

store::RecordRow row(const std::string& text, const std::string& zone, bool with_wire = true) {
  auto record = dns::parse_record(text, zone, 300);
  REQUIRE_MESSAGE(record, text);
  store::RecordRow r;
  std::string shown = dns::record_to_text(*record);
  // owner TAB ttl TAB class TAB type TAB rdata, as cdnctl stores it
  size_t a = shown.find('\t'), b = shown.find('\t', a + 1), c = shown.find('\t', b + 1),
         d = shown.find('\t', c + 1);
  r.owner = shown.substr(0, a);
  r.ttl = record->ttl;
  r.rclass = shown.substr(b + 1, c - b - 1);
  r.type = shown.substr(c + 1, d - c - 1);
  r.rdata = shown.substr(d + 1);
  if (with_wire) r.wire = dns::encode_stored_record(*record);
  return r;
}

store::ZoneRow zone(const std::string& name, bool with_wire = true) {
  store::ZoneRow z{name, {}};
  z.records.push_back(
      row(name + " 3600 IN SOA ns1." + name + " h." + name + " 1 2 3 4 5", name, with_wire));
  z.records.push_back(row(name + " 3600 IN NS ns1." + name, name, with_wire));
  z.records.push_back(row("www." + name + " 300 IN A 192.0.2.1", name, with_wire));
  return z;
}

void commit(store::Db& db, const std::function<void(store::Transaction&)>& change) {
  auto txn = store::Transaction::begin(db, "test", "test");
  REQUIRE(txn);
  change(*txn);
  REQUIRE(txn->commit("test"));
}

const dns::CompiledZone* find_zone(const dns::Snapshot& snapshot, const std::string& name) {
  for (const auto& z : snapshot.zones.zones()) {
    if (dns::name_to_text(z->origin()) == name) return z.get();
  }
  return nullptr;
}

bool has_name(const dns::CompiledZone& zone, const std::string& name) {
  auto wire = dns::name_from_text(name);
  REQUIRE(wire);
  return zone.find(wire->data(), wire->size(), dns::name_hash(wire->data(), wire->size())) !=
         dns::kNone;
}

}  // namespace

TEST_CASE("a reload compiles only the zones that changed and shares the others") {
  TempDb tmp;
  auto db = store::Db::open(tmp.path);
  REQUIRE(db);
  commit(*db, [](store::Transaction& t) {
    REQUIRE(t.put_zone(zone("a.example.")));
    REQUIRE(t.put_zone(zone("b.example.")));
  });
  dns::SnapshotLoader loader({tmp.path, {}, ""});
  auto first = loader.load({});
  REQUIRE_MESSAGE(first, first.error().text());
  CHECK(first->zones_compiled == 2);
  const auto* a1 = find_zone(*first->snapshot, "a.example.");
  const auto* b1 = find_zone(*first->snapshot, "b.example.");
  REQUIRE(a1);
  REQUIRE(b1);

  SUBCASE("nothing changed: everything kept") {
    commit(*db, [](store::Transaction& t) { REQUIRE(t.set_setting("dns.nsid", "pop1")); });
    auto next = loader.load({});
    REQUIRE(next);
    CHECK(next->zones_compiled == 0);
    CHECK(next->zones_kept == 2);
    CHECK(find_zone(*next->snapshot, "a.example.") == a1);
    CHECK(next->snapshot->options.nsid == "pop1");
    CHECK(next->snapshot->options.version == 2);
  }
  SUBCASE("one record added: only its zone is patched, and it has the record") {
    commit(*db, [](store::Transaction& t) {
      REQUIRE(t.add_record("a.example.", row("new.a.example. 300 IN A 192.0.2.9", "a.example.")));
    });
    auto next = loader.load({});
    REQUIRE(next);
    CHECK(next->zones_compiled == 0);
    CHECK(next->zones_patched == 1);
    CHECK(next->zones_kept == 1);
    CHECK(find_zone(*next->snapshot, "b.example.") == b1);
    const auto* a2 = find_zone(*next->snapshot, "a.example.");
    REQUIRE(a2);
    CHECK(a2 != a1);
    CHECK(has_name(*a2, "new.a.example."));
    CHECK_FALSE(has_name(*a1, "new.a.example."));  // the old snapshot is untouched
  }
  SUBCASE("a record deleted: patched, the name gone; a delegation added: compiled whole") {
    commit(*db, [](store::Transaction& t) {
      REQUIRE(t.add_record("a.example.", row("new.a.example. 300 IN A 192.0.2.9", "a.example.")));
    });
    REQUIRE(loader.load({}));
    commit(*db, [](store::Transaction& t) {
      auto n =
          t.delete_record("a.example.", row("new.a.example. 300 IN A 192.0.2.9", "a.example."));
      REQUIRE(n.has_value());
      CHECK(*n == 1);
    });
    auto deleted = loader.load({});
    REQUIRE(deleted);
    CHECK(deleted->zones_patched == 1);
    CHECK_FALSE(has_name(*find_zone(*deleted->snapshot, "a.example."), "new.a.example."));
    commit(*db, [](store::Transaction& t) {
      REQUIRE(
          t.add_record("a.example.", row("sub.a.example. 300 IN NS ns.b.example.", "a.example.")));
    });
    auto delegated = loader.load({});
    REQUIRE(delegated);
    CHECK(delegated->zones_patched == 0);
    CHECK(delegated->zones_compiled == 1);
    CHECK(has_name(*find_zone(*delegated->snapshot, "a.example."), "sub.a.example."));
  }
  SUBCASE("a rollback is a change like any other") {
    commit(*db, [](store::Transaction& t) { REQUIRE(t.delete_zone("b.example.")); });
    auto without = loader.load({});
    REQUIRE(without);
    CHECK(without->snapshot->zones.size() == 1);
    commit(*db, [](store::Transaction& t) { REQUIRE(t.restore(1)); });
    auto back = loader.load({});
    REQUIRE(back);
    CHECK(back->snapshot->zones.size() == 2);
    CHECK(back->zones_compiled == 1);  // b comes back, a is kept
  }
  SUBCASE("a broken stored zone fails the load, names the place, and keeps nothing half-done") {
    commit(*db, [](store::Transaction& t) {
      REQUIRE(
          t.add_record("a.example.", row("www.a.example. 300 IN CNAME b.example.", "a.example.")));
    });
    auto broken = loader.load({});
    REQUIRE_FALSE(broken);
    CHECK(broken.error().text().find("db:a.example.") != std::string::npos);
    // Fixed again: the next load compares against what was last loaded whole.
    commit(*db, [](store::Transaction& t) {
      REQUIRE(t.delete_record("a.example.",
                              row("www.a.example. 300 IN CNAME b.example.", "a.example.")));
    });
    auto fixed = loader.load({});
    REQUIRE_MESSAGE(fixed, fixed.error().text());
    CHECK(fixed->zones_kept == 1);
  }
}

TEST_CASE("rows stored without their wire form are parsed from their text") {
  TempDb tmp;
  auto db = store::Db::open(tmp.path);
  REQUIRE(db);
  commit(*db, [](store::Transaction& t) { REQUIRE(t.put_zone(zone("old.example.", false))); });
  dns::SnapshotLoader loader({tmp.path, {}, ""});
  auto loaded = loader.load({});
  REQUIRE_MESSAGE(loaded, loaded.error().text());
  const auto* z = find_zone(*loaded->snapshot, "old.example.");
  REQUIRE(z);
  CHECK(has_name(*z, "www.old.example."));
  CHECK(z->record_count() == 3);
}
