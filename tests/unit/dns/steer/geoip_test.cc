// tests/unit/dns/steer/geoip_test.cc: tests dns/steer/geoip.cc on a MaxMind DB written at test
// time by tests/support/mmdb_writer.pl (MaxMind::DB::Writer), then compiles rankings from it.
#include "dns/steer/geoip.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "dns/steer/compile.h"
#include "tests/unit/dns/steer/steer_fixtures.h"

#ifndef CDN_SOURCE_DIR
#error "CDN_SOURCE_DIR must name the source tree (tests/CMakeLists.txt)"
#endif

namespace cdn::dns {
namespace {

using namespace test;

// What mmdb_writer.pl writes (keep in step with it).
const std::set<std::string> kNetworks = {
    "81.2.69.0/24",    "81.2.70.0/23",    "2.16.0.0/13",     "12.0.0.0/16",    "12.1.0.0/16",
    "175.16.199.0/24", "198.51.100.0/24", "2001:db8:1::/48", "2a02:cf40::/29",
};

// A database written once for all cases, in a directory removed at exit.
class TestDb {
 public:
  TestDb() {
    std::string pattern = (std::filesystem::temp_directory_path() / "steer-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return;
    dir_ = pattern;
    file_ = dir_ / "city.mmdb";
    ipv4_file_ = dir_ / "city-ipv4.mmdb";
    status_ = write("", file_);
    ipv4_status_ = write("--ipv4 ", ipv4_file_);
  }
  ~TestDb() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  GeoDb open() const { return open(status_, file_); }
  GeoDb open_ipv4() const { return open(ipv4_status_, ipv4_file_); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  static int write(const std::string& options, const std::filesystem::path& file) {
    const std::string command = std::string("perl '") + CDN_SOURCE_DIR +
                                "/tests/support/mmdb_writer.pl' " + options + "'" + file.string() +
                                "'";
    return std::system(command.c_str());
  }
  static GeoDb open(int status, const std::filesystem::path& file) {
    REQUIRE_MESSAGE(status == 0, "perl tests/support/mmdb_writer.pl failed for " << file);
    auto db = GeoDb::open(file);
    REQUIRE_MESSAGE(db.has_value(), (db.has_value() ? "" : db.error().text()));
    return std::move(*db);
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
  std::filesystem::path ipv4_file_;
  int status_ = -1;
  int ipv4_status_ = -1;
};

const TestDb& test_db() {
  static TestDb db;
  return db;
}

TEST_CASE("opening a missing or broken database names the file") {
  auto missing = GeoDb::open("/nonexistent/city.mmdb");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().where == "/nonexistent/city.mmdb");
  CHECK(missing.error().text().find("No such file") != std::string::npos);

  const auto broken = test_db().dir() / "broken.mmdb";
  { std::ofstream(broken) << "not a maxmind database"; }
  auto bad = GeoDb::open(broken);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().where == broken.string());
}

TEST_CASE("the test database reads as a GeoIP2 City IPv6 tree") {
  GeoDb db = test_db().open();
  CHECK(db.ip_version() == 6);
  CHECK(db.database_type() == "GeoIP2-City");
}

TEST_CASE("a lookup gives the location and the network holding the address") {
  GeoDb db = test_db().open();
  auto london = db.lookup("81.2.69.160");
  REQUIRE(london.has_value());
  REQUIRE(london->found);
  CHECK(london->network == net("81.2.69.0/24"));
  CHECK(london->location.has_coordinates);
  CHECK(london->location.latitude == doctest::Approx(51.5074));
  CHECK(london->location.longitude == doctest::Approx(-0.1278));
  CHECK(london->location.country == "GB");
  CHECK(london->location.continent == "EU");

  auto frankfurt = db.lookup("2.23.255.255");
  REQUIRE(frankfurt.has_value());
  CHECK(frankfurt->network == net("2.16.0.0/13"));
  CHECK(frankfurt->location.country == "DE");

  auto paris = db.lookup("2001:db8:1:ffff::1");
  REQUIRE(paris.has_value());
  CHECK(paris->network == net("2001:db8:1::/48"));
  CHECK(paris->location.country == "FR");

  auto no_coordinates = db.lookup("198.51.100.200");
  REQUIRE(no_coordinates.has_value());
  CHECK(no_coordinates->found);
  CHECK_FALSE(no_coordinates->location.has_coordinates);
  CHECK(no_coordinates->location.country == "NL");
}

TEST_CASE("IPv4 aliases in the IPv6 tree lead to the IPv4 data") {
  GeoDb db = test_db().open();
  for (const char* alias : {"::ffff:81.2.69.160", "2002:5102:45a0::1"}) {  // mapped, 6to4
    CAPTURE(alias);
    auto r = db.lookup(alias);
    REQUIRE(r.has_value());
    CHECK(r->found);
    CHECK(r->location.country == "GB");
  }
}

TEST_CASE("an address in no network is not found") {
  GeoDb db = test_db().open();
  auto r = db.lookup("203.0.113.1");
  REQUIRE(r.has_value());
  CHECK_FALSE(r->found);
  CHECK_FALSE(db.lookup("not-an-address").has_value());
}

TEST_CASE("the tree walk yields exactly the networks written, IPv4 ones once") {
  GeoDb db = test_db().open();
  std::vector<std::string> walked;
  auto ok = db.walk([&](const net::Prefix& n, const Location&) { walked.push_back(n.text()); });
  REQUIRE_MESSAGE(ok.has_value(), (ok.has_value() ? "" : ok.error().text()));
  CHECK(walked.size() == kNetworks.size());
  CHECK(std::set<std::string>(walked.begin(), walked.end()) == kNetworks);

  auto all = db.networks();
  REQUIRE(all.has_value());
  REQUIRE(all->networks.size() == kNetworks.size());
  CHECK(all->locations.size() == kNetworks.size());  // every network has its own record
  CHECK((all->networks.front().network).text() == "2.16.0.0/13");  // IPv4 first, sorted
  CHECK((all->networks.back().network).text() == "2a02:cf40::/29");
  for (const auto& g : all->networks) {
    auto r = db.lookup(g.network.address);
    REQUIRE(r.has_value());
    CHECK(r->network == g.network);
    CHECK(r->location == all->locations[g.location]);
  }
}

TEST_CASE("an IPv4 database walks and looks up its IPv4 networks") {
  GeoDb db = test_db().open_ipv4();
  CHECK(db.ip_version() == 4);
  std::set<std::string> walked;
  auto ok = db.walk([&](const net::Prefix& n, const Location&) { walked.insert(n.text()); });
  REQUIRE(ok.has_value());
  std::set<std::string> ipv4;
  for (const auto& n : kNetworks)
    if (n.find(':') == std::string::npos) ipv4.insert(n);
  CHECK(walked == ipv4);
  auto r = db.lookup("12.1.0.1");
  REQUIRE(r.has_value());
  CHECK(r->network == net("12.1.0.0/16"));
  CHECK(r->location.country == "US");
  CHECK_FALSE(db.lookup("2001:db8:1::1").has_value());  // no IPv6 in an IPv4 database
}

TEST_CASE("rankings compile from the database") {
  GeoDb db = test_db().open();
  auto geo = db.networks();
  REQUIRE(geo.has_value());
  SteeringConfig c;
  c.edges = {edge("lon-a", kLondon), edge("fra-a", kFrankfurt), edge("nyc-a", kNewYork),
             edge("sin-a", kSingapore), edge("sfo-a", {37.6, -122.4})};
  c.pools = {pool("www", {"sin-a", "sfo-a", "nyc-a", "fra-a", "lon-a"})};
  auto set = compile_or_fail(c, *geo);
  using Names = std::vector<std::string>;
  CHECK(ranking_at(set, "www", "81.2.69.1")[0] == "lon-a");
  CHECK(ranking_at(set, "www", "2.16.0.1")[0] == "fra-a");
  CHECK(ranking_at(set, "www", "175.16.199.1")[0] == "sin-a");
  CHECK(ranking_at(set, "www", "2a02:cf40::1")[0] == "sfo-a");
  CHECK(ranking_at(set, "www", "2001:db8:1::1") ==
        Names{"lon-a", "fra-a", "nyc-a", "sfo-a", "sin-a"});
  // Unknown: no coordinates, or not in the database.
  CHECK(ranking_at(set, "www", "198.51.100.1") ==
        Names{"sin-a", "sfo-a", "nyc-a", "fra-a", "lon-a"});
  CHECK(ranking_at(set, "www", "203.0.113.1") ==
        Names{"sin-a", "sfo-a", "nyc-a", "fra-a", "lon-a"});
  // The two New York /16s rank alike and merge into a /15.
  const CompiledPool& www = set.pools[0];
  CHECK(www.lookup(addr("12.1.2.3")).prefix_length == 15);
  CHECK(www.lookup(addr("12.0.0.0")).ranking == www.lookup(addr("12.1.255.255")).ranking);
  // London and Manchester rank alike too, but 81.2.69.0/24 and 81.2.70.0/23 are not siblings.
  CHECK(www.lookup(addr("81.2.69.1")).prefix_length == 24);
  CHECK(www.lookup(addr("81.2.71.1")).prefix_length == 23);
}

}  // namespace
}  // namespace cdn::dns
