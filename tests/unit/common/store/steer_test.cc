// tests/unit/common/store/steer_test.cc: tests the steering tables of common/store/db.cc, and
// common/store/steer_config.cc (validation, prefixes, read_steer_config) and their diff.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/store/db.h"
#include "common/store/diff.h"
#include "common/store/steer_config.h"

namespace {

using cdn::store::Db;
using cdn::store::Edge;
using cdn::store::EdgeOverride;
using cdn::store::LatencyEntry;
using cdn::store::Pool;
using cdn::store::SteerConfig;
using cdn::store::Transaction;

struct TempDb {
  std::filesystem::path dir;
  std::string path;
  TempDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cdn-steer-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    path = (dir / "config.db").string();
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
};

Db open(const std::string& path) {
  auto db = Db::open(path);
  REQUIRE_MESSAGE(db.has_value(), db.error().text());
  return std::move(db).value();
}

std::optional<cdn::net::Address> address(const std::string& text) {
  auto a = cdn::net::parse_address(text);
  REQUIRE_MESSAGE(a.has_value(), text);
  return *a;
}

Edge edge(const std::string& name, const std::string& ipv4) {
  return Edge{name, "site-" + name, 50.11, 8.68, address(ipv4), std::nullopt, 100, 1};
}

Pool pool(const std::string& name, std::vector<std::string> edges) {
  Pool p;
  p.name = name;
  p.edges = std::move(edges);
  return p;
}

// A valid configuration: two edges, a pool of both, a backup pool, one name, one override.
SteerConfig sample() {
  SteerConfig c;
  c.edges = {edge("ams1", "192.0.2.20"), edge("fra1", "192.0.2.10")};
  c.pools = {pool("backup", {"ams1"}), pool("web", {"fra1", "ams1"})};
  c.pools[1].fallback = "backup";
  c.names = {{"www.example.com.", "web"}};
  c.overrides = {{"fra1", "drain", 0.5}};
  c.latency = {{"192.0.2.0/24", "fra1", 12.5}};
  return c;
}

// Writes `c`'s objects as one change; returns the new version.
int64_t commit_all(Db& db, const SteerConfig& c) {
  auto txn = Transaction::begin(db, "alice", "test");
  REQUIRE(txn);
  for (const auto& e : c.edges) REQUIRE(txn->put_edge(e));
  for (const auto& p : c.pools) REQUIRE(txn->put_pool(p));
  for (const auto& n : c.names) REQUIRE(txn->put_steered_name(n));
  for (const auto& o : c.overrides) REQUIRE(txn->set_edge_override(o));
  REQUIRE(txn->replace_latency(c.latency));
  auto v = txn->commit("steering");
  REQUIRE(v);
  return *v;
}

bool has_error(const std::vector<cdn::Error>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e.text() == text) return true;
  }
  return false;
}

std::string all_text(const std::vector<cdn::Error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.text() + "\n";
  return out;
}

}  // namespace

TEST_CASE(
    "a schema 2 database is migrated to the current schema and keeps its zones and settings") {
  TempDb tmp;
  {
    Db::Options old;
    old.schema = 2;
    auto db = Db::open(tmp.path, old);
    REQUIRE(db);
    auto txn = Transaction::begin(*db, "u", "c");
    REQUIRE(
        txn->put_zone({"example.com.", {{"www.example.com.", 300, "IN", "A", "192.0.2.1", ""}}}));
    REQUIRE(txn->set_setting("dns.nsid", "pop1"));
    REQUIRE(txn->commit("v1"));
    CHECK_FALSE(db->exec("SELECT * FROM edges").has_value());  // not there yet
    CHECK(db->steer_config(1)->edges.empty());                 // and reads as empty
  }
  Db::Options read_only;
  read_only.read_only = true;
  CHECK_FALSE(Db::open(tmp.path, read_only));  // daemons never migrate
  auto db = open(tmp.path);
  CHECK(*db.schema_version() == cdn::store::kSchemaVersion);
  CHECK(*db.config_version() == 1);
  CHECK(db.zone("example.com.", 1)->value().records.size() == 1);
  CHECK(db.settings(1)->at("dns.nsid") == "pop1");
  for (const char* table :
       {"edges", "pools", "pool_edges", "steered_names", "edge_overrides", "latency"}) {
    CHECK_MESSAGE(db.exec(std::string("SELECT since, until FROM ") + table).has_value(), table);
  }
  CHECK(commit_all(db, sample()) == 2);
  CHECK(db.steer_config(2)->edges.size() == 2);
}

TEST_CASE("steering objects read back exactly at every version") {
  TempDb tmp;
  auto db = open(tmp.path);
  SteerConfig c = sample();
  REQUIRE(commit_all(db, c) == 1);
  {
    auto txn = Transaction::begin(db, "u", "edge set fra1");  // v2
    Edge changed = c.edges[1];
    changed.weight = 5;
    changed.ipv6 = address("2001:db8::10");
    REQUIRE(txn->put_edge(changed));
    Pool web = c.pools[1];
    web.edges = {"ams1", "fra1"};
    web.answers = 2;
    REQUIRE(txn->put_pool(web));
    REQUIRE(txn->clear_edge_override("fra1"));
    REQUIRE(txn->commit("v2"));
  }
  auto v1 = db.steer_config(1).value();
  auto v2 = db.steer_config(2).value();
  CHECK(v1.version == 1);
  REQUIRE(v1.edges.size() == 2);
  CHECK(v1.edges[0].name == "ams1");  // by name
  CHECK(v1.edge("fra1")->weight == 1);
  CHECK(v1.edge("fra1")->latitude == 50.11);
  CHECK(v1.pool("web")->edges == std::vector<std::string>{"fra1", "ams1"});  // order kept
  CHECK(v1.pool("web")->fallback == "backup");
  REQUIRE(v1.override_for("fra1"));
  CHECK(*v1.override_for("fra1")->load == 0.5);
  CHECK(v1.latency.size() == 1);

  CHECK(v2.edge("fra1")->weight == 5);
  CHECK(v2.edge("fra1")->ipv6 == address("2001:db8::10"));
  CHECK(v2.pool("web")->edges == std::vector<std::string>{"ams1", "fra1"});
  CHECK(v2.pool("web")->answers == 2);
  CHECK(v2.override_for("fra1") == nullptr);
  CHECK(v2.steered("www.example.com.")->pool == "web");
  CHECK(cdn::store::validate_steer_config(v2).empty());
  // The whole Config carries the steering part too.
  CHECK(db.config(2)->steer.pools.size() == 2);
}

TEST_CASE("an override without a load reads back without one") {
  TempDb tmp;
  auto db = open(tmp.path);
  SteerConfig c = sample();
  c.overrides = {{"fra1", "down", std::nullopt}};
  commit_all(db, c);
  auto config = db.steer_config(1);
  REQUIRE(config.has_value());
  auto o = config->override_for("fra1");
  REQUIRE(o);
  CHECK(o->state == "down");
  CHECK_FALSE(o->load.has_value());
}

TEST_CASE("deleting an edge ends its override and latency entries") {
  TempDb tmp;
  auto db = open(tmp.path);
  commit_all(db, sample());
  auto txn = Transaction::begin(db, "u", "c");
  REQUIRE(txn->put_pool(pool("web", {"ams1"})));
  REQUIRE(txn->delete_edge("fra1"));
  CHECK_FALSE(txn->delete_edge("nope"));
  CHECK_FALSE(txn->delete_pool("nope"));
  CHECK_FALSE(txn->delete_steered_name("nope.example.com."));
  REQUIRE(txn->commit("v2"));
  auto v2 = db.steer_config(2).value();
  CHECK(v2.edge("fra1") == nullptr);
  CHECK(v2.overrides.empty());
  CHECK(v2.latency.empty());
  CHECK(cdn::store::validate_steer_config(v2).empty());
}

TEST_CASE("a latency map is replaced as one change, or not at all") {
  TempDb tmp;
  auto db = open(tmp.path);
  commit_all(db, sample());
  std::vector<LatencyEntry> next = {{"198.51.100.0/24", "ams1", 40}, {"2001:db8::/32", "fra1", 9}};
  SUBCASE("a committed replace leaves exactly the new entries") {
    auto txn = Transaction::begin(db, "u", "latency import");
    REQUIRE(txn->replace_latency(next));
    REQUIRE(txn->commit("v2"));
    auto v2 = db.steer_config(2).value();
    REQUIRE(v2.latency.size() == 2);
    CHECK(v2.latency[0].prefix == "198.51.100.0/24");
    CHECK(v2.latency[1].rtt_ms == 9);
    CHECK(db.steer_config(1)->latency.size() == 1);  // the old version is still readable
  }
  SUBCASE("a replace dropped without commit leaves the old map") {
    {
      auto txn = Transaction::begin(db, "u", "latency import");
      REQUIRE(txn->replace_latency(next));
    }
    CHECK(*db.config_version() == 1);
    auto v1 = db.steer_config(1).value();
    REQUIRE(v1.latency.size() == 1);
    CHECK(v1.latency[0].prefix == "192.0.2.0/24");
  }
}

TEST_CASE("rollback restores edges, pools, names, overrides and latency") {
  TempDb tmp;
  auto db = open(tmp.path);
  REQUIRE(commit_all(db, sample()) == 1);
  {
    auto txn = Transaction::begin(db, "u", "c");  // v2: most of it gone or changed
    REQUIRE(txn->delete_steered_name("www.example.com."));
    REQUIRE(txn->delete_pool("web"));
    REQUIRE(txn->delete_edge("fra1"));
    REQUIRE(txn->put_edge(edge("lon1", "192.0.2.30")));
    REQUIRE(txn->put_pool(pool("backup", {"lon1", "ams1"})));
    REQUIRE(txn->commit("v2"));
  }
  auto txn = Transaction::begin(db, "u", "rollback 1");
  REQUIRE(txn->restore(1));
  REQUIRE(*txn->commit("rolled back to v1") == 3);
  CHECK(cdn::store::diff_configs(*db.config(1), *db.config(3)).empty());
  auto v3 = db.steer_config(3).value();
  CHECK(v3.edge("lon1") == nullptr);
  REQUIRE(v3.pool("web"));
  CHECK(v3.pool("web")->edges == std::vector<std::string>{"fra1", "ams1"});
  CHECK(v3.pool("backup")->edges == std::vector<std::string>{"ams1"});
  CHECK(v3.override_for("fra1")->state == "drain");
  CHECK(v3.latency.size() == 1);
  CHECK(v3.steered("www.example.com.")->pool == "web");

  SUBCASE("and back to the empty version 0") {
    auto back = Transaction::begin(db, "u", "rollback 0");
    REQUIRE(back->restore(0));
    REQUIRE(back->commit("rolled back to v0"));
    auto v4 = db.steer_config(4).value();
    CHECK(v4.edges.empty());
    CHECK(v4.pools.empty());
    CHECK(v4.names.empty());
    CHECK(v4.overrides.empty());
    CHECK(v4.latency.empty());
  }
}

TEST_CASE("diff lists steering objects added, removed and changed") {
  TempDb tmp;
  auto db = open(tmp.path);
  commit_all(db, sample());
  {
    auto txn = Transaction::begin(db, "u", "c");
    Edge fra1 = edge("fra1", "192.0.2.11");
    REQUIRE(txn->put_edge(fra1));
    REQUIRE(txn->put_edge(edge("lon1", "192.0.2.30")));
    REQUIRE(txn->delete_steered_name("www.example.com."));
    REQUIRE(txn->commit("v2"));
  }
  auto d = cdn::store::diff_configs(*db.config(1), *db.config(2));
  REQUIRE(d.steer.size() == 3);
  CHECK(d.steer[0].kind == "edge");
  CHECK(d.steer[0].key == "fra1");
  CHECK(d.steer[0].before->find("ipv4=192.0.2.10") != std::string::npos);
  CHECK(d.steer[0].after->find("ipv4=192.0.2.11") != std::string::npos);
  CHECK(d.steer[1].key == "lon1");
  CHECK_FALSE(d.steer[1].before.has_value());
  CHECK(d.steer[2].kind == "steer");
  CHECK(*d.steer[2].before == "pool=web");
  CHECK_FALSE(d.steer[2].after.has_value());
  CHECK_FALSE(d.empty());
}

TEST_CASE("validation accepts a good configuration and names every broken rule") {
  CHECK(cdn::store::validate_steer_config(sample()).empty());
  SteerConfig c = sample();
  SUBCASE("edge fields") {
    c.edges[0] =
        Edge{"ams1", "a b", 90.5, -180.5, address("2001:db8::1"), address("192.0.2.1"), 0, -1};
    auto errors = cdn::store::validate_steer_config(c);
    INFO(all_text(errors));
    CHECK(has_error(errors, "edge ams1: latitude 90.5 is outside -90..90"));
    CHECK(has_error(errors, "edge ams1: longitude -180.5 is outside -180..180"));
    CHECK(has_error(errors, "edge ams1: ipv4 2001:db8::1: an IPv6 address where IPv4 is expected"));
    CHECK(has_error(errors, "edge ams1: ipv6 192.0.2.1: an IPv4 address where IPv6 is expected"));
    CHECK(has_error(errors, "edge ams1: capacity 0 is not > 0"));
    CHECK(has_error(errors, "edge ams1: weight -1 is not > 0"));
    CHECK(has_error(errors, "edge ams1: site \"a b\" contains a space or comma"));
  }
  SUBCASE("an edge needs an address, and its name is a-z0-9-") {
    c.edges[0].ipv4.reset();
    c.edges.push_back(edge("Bad_Name", "192.0.2.9"));
    auto errors = cdn::store::validate_steer_config(c);
    INFO(all_text(errors));
    CHECK(has_error(errors, "edge ams1: no address (give --ipv4 and/or --ipv6)"));
    CHECK(has_error(errors, "edge Bad_Name: bad name: only a-z, 0-9 and - are allowed"));
  }
  SUBCASE("pool fields") {
    c.pools[1].edges = {"fra1", "fra1", "nope"};
    c.pools[1].answers = 0;
    c.pools[1].ttl = 86401;
    c.pools[1].low = 0.95;
    c.pools[1].high = 0.8;
    auto errors = cdn::store::validate_steer_config(c);
    INFO(all_text(errors));
    CHECK(has_error(errors, "pool web: edge fra1 listed twice"));
    CHECK(has_error(errors, "pool web: unknown edge nope"));
    CHECK(has_error(errors, "pool web: answers 0 is not >= 1"));
    CHECK(has_error(errors, "pool web: ttl 86401 is outside 0..86400"));
    CHECK(has_error(
        errors, "pool web: water marks low 0.95 and high 0.8 must satisfy 0 <= low < high <= 1"));
  }
  SUBCASE("fallbacks: unknown, the pool itself, and cycles") {
    c.pools[0].fallback = "web";  // backup -> web -> backup
    auto errors = cdn::store::validate_steer_config(c);
    INFO(all_text(errors));
    CHECK(has_error(errors, "pool backup: fallback cycle backup -> web -> backup"));
    c.pools[0].fallback = "backup";
    c.pools[1].fallback = "nope";
    errors = cdn::store::validate_steer_config(c);
    CHECK(has_error(errors, "pool backup: fallback pool is the pool itself"));
    CHECK(has_error(errors, "pool web: unknown fallback pool nope"));
  }
  SUBCASE("names, overrides and latency refer to what exists") {
    c.names.push_back({"x.example.com.", "nope"});
    c.overrides.push_back({"nope", "sideways", -1.0});
    c.latency.push_back({"192.0.2.0/24", "fra1", 3});
    auto errors = cdn::store::validate_steer_config(c);
    INFO(all_text(errors));
    CHECK(has_error(errors, "steered name x.example.com.: unknown pool nope"));
    CHECK(has_error(errors, "override of edge nope: unknown edge nope"));
    CHECK(has_error(errors, "override of edge nope: state sideways is not up, down or drain"));
    CHECK(has_error(errors, "override of edge nope: load -1 is not a number >= 0"));
    CHECK(has_error(errors, "latency 192.0.2.0/24 fra1: listed twice"));
  }
}

TEST_CASE("prefixes are canonical and have no host bits") {
  CHECK(*cdn::store::canonical_prefix("192.0.2.0/24") == "192.0.2.0/24");
  CHECK(*cdn::store::canonical_prefix("2001:DB8:0::/32") == "2001:db8::/32");
  CHECK(*cdn::store::canonical_prefix("0.0.0.0/0") == "0.0.0.0/0");
  CHECK(cdn::store::canonical_prefix("192.0.2.1/24").error().what ==
        "host bits set after /24; the network is 192.0.2.0/24");
  CHECK(cdn::store::canonical_prefix("192.0.2.0/33").error().what ==
        "prefix length 33 is longer than 32 bits");
  CHECK_FALSE(cdn::store::canonical_prefix("192.0.2.0"));
  CHECK_FALSE(cdn::store::canonical_prefix("example.com/24"));
  CHECK(cdn::store::check_object_name("fra-1") == "");
  CHECK(cdn::store::check_object_name("") == "empty name");
}

TEST_CASE("read_steer_config reads the current version and the geoip path") {
  TempDb tmp;
  {
    auto db = open(tmp.path);
    commit_all(db, sample());
    auto txn = Transaction::begin(db, "u", "geoip set");
    REQUIRE(txn->set_setting(cdn::store::kGeoipPathSetting, "/var/lib/cdn/geoip/city.mmdb"));
    REQUIRE(txn->commit("v2"));
  }
  auto config = cdn::store::read_steer_config(tmp.path);
  REQUIRE_MESSAGE(config.has_value(), config.error().text());
  CHECK(config->version == 2);
  CHECK(config->geoip_path == "/var/lib/cdn/geoip/city.mmdb");
  CHECK(config->edges.size() == 2);
  CHECK(config->pool("web")->fallback == "backup");
  CHECK(cdn::store::pool_text(*config->pool("web")) ==
        "edges=fra1,ams1 answers=1 ttl=60 all-down=fallback:backup low=0.8 high=0.95");
  auto missing = cdn::store::read_steer_config("/nonexistent/dir/config.db");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().where == "/nonexistent/dir/config.db");
}
