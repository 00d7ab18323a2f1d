// tests/unit/common/store/health_config_test.cc: tests common/store/health_config.cc (objects,
// settings, the rules), the health_objects table of common/store/db.cc, and the check JSON of
// common/health/spec.cc.
#include "common/store/health_config.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "common/store/diff.h"

namespace cdn::store {
namespace {

struct TempDb {
  std::filesystem::path dir;
  std::string path;
  TempDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cdn-health-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    path = (dir / "config.db").string();
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
};

health::CheckSpec dns_check() {
  health::CheckSpec c;
  c.name = "dnsd";
  c.kind = health::CheckKind::Dns;
  c.target = "127.0.0.1:53";
  c.interval = std::chrono::milliseconds(500);
  c.timeout = std::chrono::milliseconds(400);
  c.rise = 2;
  c.fall = 2;
  c.dns.qname = "example.com.";
  c.dns.qtype = "SOA";
  return c;
}

std::vector<HealthObject> valid_objects() {
  AnycastPrefix p;
  p.prefix = "203.0.113.53/32";
  p.next_hop = "192.0.2.2";
  p.services = {"dns"};
  p.communities = {"64510:1"};
  p.large_communities = {"64510:1:2"};
  p.med = 5;
  return {to_object(dns_check()), to_object(Service{"dns", {"dnsd"}, false}), to_object(p),
          to_object(BgpNeighbor{"192.0.2.1", 64500, "", ""})};
}

const std::map<std::string, std::string> kBgp{{"bgp.local_as", "64510"},
                                              {"bgp.router_id", "192.0.2.2"}};

std::vector<std::string> errors_of(const std::vector<HealthObject>& objects,
                                   const std::map<std::string, std::string>& settings = kBgp) {
  std::vector<std::string> out;
  for (const auto& e : build_health_config(objects, settings, 1).errors) out.push_back(e.text());
  return out;
}

TEST_CASE("a check survives its JSON form") {
  auto check = dns_check();
  check.dns.expect_address = "192.0.2.53";
  auto back = health::check_from_json("dnsd", health::to_json(check));
  REQUIRE_MESSAGE(back, back.error().text());
  CHECK(health::to_json(*back) == health::to_json(check));
  CHECK(back->interval == std::chrono::milliseconds(500));

  health::CheckSpec exec;
  exec.name = "flap";
  exec.kind = health::CheckKind::Exec;
  exec.exec.argv = {"/usr/bin/test", "-e", "/tmp/x"};
  auto e = health::check_from_json("flap", health::to_json(exec));
  REQUIRE(e);
  CHECK(e->exec.argv == exec.exec.argv);
}

TEST_CASE("check JSON: unknown fields and wrong types are named") {
  auto json = health::to_json(dns_check());
  json["dns"]["qnme"] = "x";
  auto bad = health::check_from_json("dnsd", json);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().text() == "check dnsd: dns.qnme: unknown field");
  json = health::to_json(dns_check());
  json["rise"] = "two";
  bad = health::check_from_json("dnsd", json);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == "check dnsd: rise");
}

TEST_CASE("a valid configuration builds with its settings") {
  auto built = build_health_config(valid_objects(), kBgp, 7);
  REQUIRE(built.errors.empty());
  const auto& cfg = built.config;
  CHECK(cfg.version == 7);
  CHECK(cfg.bgp.local_as == 64510);
  CHECK(cfg.bgp.reannounce_delay_ms == 10000);  // defaults
  CHECK(cfg.bgp.grace_ms == 10000);
  CHECK(cfg.bgp.hold_time == 9);
  REQUIRE(cfg.prefix("203.0.113.53/32"));
  CHECK(cfg.prefix("203.0.113.53/32")->med == 5u);
  CHECK(cfg.prefix("203.0.113.53/32")->large_communities == std::vector<std::string>{"64510:1:2"});
  CHECK(cfg.check("dnsd")->dns.qtype == "SOA");
  CHECK(cfg.neighbors.at(0).peer_as == 64500);
}

TEST_CASE("the rules: references, families, shared services, drains, settings") {
  auto objects = valid_objects();
  SUBCASE("a service needs existing checks") {
    objects.push_back(to_object(Service{"web", {"nginx"}, false}));
    CHECK(errors_of(objects) ==
          std::vector<std::string>{"service web: checks: no check named nginx"});
  }
  SUBCASE("a prefix needs a next hop of its family") {
    AnycastPrefix p{"2001:db8::/48", "192.0.2.2", {"dns"}, {}, {}, {}};
    objects.push_back(to_object(p));
    CHECK(errors_of(objects) ==
          std::vector<std::string>{"prefix 2001:db8::/48: next_hop: '192.0.2.2': needs an IPv6 "
                                   "address (the prefix's family)"});
  }
  SUBCASE("a prefix bound only to shared services is refused") {
    objects.push_back(to_object(Service{"origin", {"dnsd"}, true}));
    objects.push_back(
        to_object(AnycastPrefix{"198.51.100.0/24", "192.0.2.2", {"origin"}, {}, {}, {}}));
    auto errors = errors_of(objects);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("only shared services") != std::string::npos);
  }
  SUBCASE("a prefix with host bits set") {
    objects.push_back(
        to_object(AnycastPrefix{"198.51.100.7/24", "192.0.2.2", {"dns"}, {}, {}, {}}));
    CHECK(errors_of(objects).size() == 1);
  }
  SUBCASE("a bad community") {
    objects.push_back(
        to_object(AnycastPrefix{"198.51.100.0/24", "192.0.2.2", {"dns"}, {"65536:1"}, {}, {}}));
    auto errors = errors_of(objects);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].rfind("prefix 198.51.100.0/24: communities:", 0) == 0);
  }
  SUBCASE("a drain of a prefix that is not configured") {
    objects.push_back(to_object(Drain{"198.51.100.0/24", 0, 1}));
    CHECK(errors_of(objects) ==
          std::vector<std::string>{"drain 198.51.100.0/24: no anycast prefix 198.51.100.0/24"});
  }
  SUBCASE("drain all is always valid") {
    objects.push_back(to_object(Drain{kDrainAll, 30, 1}));
    CHECK(errors_of(objects).empty());
  }
  SUBCASE("a neighbor without a local AS") {
    CHECK(errors_of(objects, {}) ==
          std::vector<std::string>{"setting bgp.local_as: needed once a neighbor is configured"});
  }
  SUBCASE("a bad setting is named with its value") {
    auto settings = kBgp;
    settings["bgp.hold_time"] = "2";
    CHECK(
        errors_of(objects, settings) ==
        std::vector<std::string>{"setting bgp.hold_time: not a whole number from 3 to 65535: '2'"});
  }
  SUBCASE("a stored body that is not JSON") {
    objects.push_back({"service", "broken", "{not json"});
    CHECK(errors_of(objects) ==
          std::vector<std::string>{"service broken: stored body is not a JSON object"});
  }
}

TEST_CASE("health settings are checked by key") {
  CHECK(check_health_setting("bgp.local_as", "64510") == "");
  CHECK(check_health_setting("bgp.local_as", "0") != "");
  CHECK(check_health_setting("bgp.router_id", "0.0.0.0") == "must not be 0.0.0.0");
  CHECK(check_health_setting("healthd.local_edges", "fra1, fra2") == "");
  CHECK(check_health_setting("healthd.local_edges", "Fra 1") != "");
  CHECK(check_health_setting("healthd.edge_path", "status") == "must start with /");
  CHECK(check_health_setting("nope", "1") == "unknown setting");
}

TEST_CASE("health objects are versioned: replace, delete, read back any version, rollback") {
  TempDb tmp;
  auto db = Db::open(tmp.path);
  REQUIRE(db);
  auto put_all = [&](const std::vector<HealthObject>& objects) {
    auto txn = Transaction::begin(*db, "u", "c");
    REQUIRE(txn);
    for (const auto& o : objects) REQUIRE(txn->put_health_object(o));
    REQUIRE(txn->commit("put"));
  };
  put_all(valid_objects());                                // v1
  put_all({to_object(Drain{"203.0.113.53/32", 10, 99})});  // v2
  {
    auto txn = Transaction::begin(*db, "u", "c");  // v3: undrain
    REQUIRE(*txn->delete_health_object("drain", "203.0.113.53/32"));
    CHECK_FALSE(*txn->delete_health_object("drain", "203.0.113.53/32"));  // already gone
    REQUIRE(txn->commit("undrain"));
  }
  CHECK(db->health_objects(1)->size() == 4);
  CHECK(db->health_objects(2)->size() == 5);
  CHECK(db->health_objects(3)->size() == 4);
  auto cfg = read_health_config(tmp.path);
  REQUIRE_FALSE(cfg);  // no bgp.local_as although a neighbor exists
  {
    auto txn = Transaction::begin(*db, "u", "c");  // v4
    REQUIRE(txn->set_setting("bgp.local_as", "64510"));
    REQUIRE(txn->commit("as"));
  }
  cfg = read_health_config(tmp.path);
  REQUIRE_MESSAGE(cfg, cfg.error().text());
  CHECK(cfg->drains.empty());
  {
    auto txn = Transaction::begin(*db, "u", "c");  // v5 = v2's objects, v2's settings
    REQUIRE(txn->restore(2));
    REQUIRE(txn->commit("rollback"));
  }
  CHECK(*db->health_objects(5) == *db->health_objects(2));
}

TEST_CASE("diff lists health objects added, removed and changed, after steering") {
  TempDb tmp;
  auto db = Db::open(tmp.path);
  REQUIRE(db);
  {
    auto txn = Transaction::begin(*db, "u", "c");
    for (const auto& o : valid_objects()) REQUIRE(txn->put_health_object(o));
    REQUIRE(txn->commit("v1"));
  }
  {
    auto txn = Transaction::begin(*db, "u", "c");
    auto check = dns_check();
    check.rise = 5;
    REQUIRE(txn->put_health_object(to_object(check)));
    REQUIRE(txn->put_health_object(to_object(Drain{kDrainAll, 0, 5})));
    REQUIRE(*txn->delete_health_object("neighbor", "192.0.2.1"));
    REQUIRE(txn->commit("v2"));
  }
  auto d = diff_configs(*db->config(1), *db->config(2));
  REQUIRE(d.steer.size() == 3);
  CHECK(d.steer[0].kind == "check");
  CHECK(d.steer[0].key == "dnsd");
  CHECK(d.steer[0].before->find("\"rise\":2") != std::string::npos);
  CHECK(d.steer[0].after->find("\"rise\":5") != std::string::npos);
  CHECK(d.steer[1].kind == "neighbor");
  CHECK_FALSE(d.steer[1].after);
  CHECK(d.steer[2].kind == "drain");
  CHECK(d.steer[2].key == "all");
  CHECK_FALSE(d.steer[2].before);
}

}  // namespace
}  // namespace cdn::store
