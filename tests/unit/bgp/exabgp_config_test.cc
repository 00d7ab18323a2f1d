// tests/unit/bgp/exabgp_config_test.cc: tests bgp/exabgp_config.cc
#include "bgp/exabgp_config.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cdn::bgp {
namespace {

// Two upstream routers: one IPv4 session that also carries IPv6 routes (with explicit IPv6 next
// hops), one native IPv6 session with a TCP MD5 password.
ExabgpConfig pop_config() {
  ExabgpConfig config;
  config.local_as = 64510;
  config.router_id = "192.0.2.2";
  config.local_address = "192.0.2.2";
  config.neighbors.push_back({"192.0.2.1", 64500, "", "", true, true});
  config.neighbors.push_back({"2001:db8::1", 64500, "s3cret-Key", "2001:db8::2", false, true});
  config.bridge_command = {"/usr/bin/cdn-exabgp-bridge", "--healthd", "/run/cdn/healthd.sock"};
  return config;
}

std::string render_error(const ExabgpConfig& config) {
  auto text = render_exabgp_config(config);
  REQUIRE(!text);
  return text.error().text();
}

TEST_CASE("the rendered exabgp.conf matches the golden text") {
  auto text = render_exabgp_config(pop_config());
  REQUIRE(text);
  CHECK(*text ==
        "# exabgp.conf for ExaBGP 4.2, rendered by cdnctl bgp render: edits are overwritten.\n"
        "# No graceful-restart on purpose; run ExaBGP with exabgp.api.cli=false.\n"
        "\n"
        "process cdn-bridge {\n"
        "    run /usr/bin/cdn-exabgp-bridge --healthd /run/cdn/healthd.sock;\n"
        "    encoder text;\n"
        "}\n"
        "\n"
        "neighbor 192.0.2.1 {\n"
        "    router-id 192.0.2.2;\n"
        "    local-address 192.0.2.2;\n"
        "    local-as 64510;\n"
        "    peer-as 64500;\n"
        "    hold-time 9;\n"
        "    family { ipv4 unicast; ipv6 unicast; }\n"
        "    api { processes [ cdn-bridge ]; neighbor-changes; }\n"
        "}\n"
        "\n"
        "neighbor 2001:db8::1 {\n"
        "    router-id 192.0.2.2;\n"
        "    local-address 2001:db8::2;\n"
        "    local-as 64510;\n"
        "    peer-as 64500;\n"
        "    hold-time 9;\n"
        "    md5-password \"s3cret-Key\";\n"
        "    family { ipv6 unicast; }\n"
        "    api { processes [ cdn-bridge ]; neighbor-changes; }\n"
        "}\n");
}

TEST_CASE("the rendered config never enables graceful restart or other families") {
  auto text = render_exabgp_config(pop_config()).value();
  CHECK(text.find("graceful-restart;") == std::string::npos);
  CHECK(text.find("capability") == std::string::npos);
  CHECK(text.find("flow") == std::string::npos);
  CHECK(text.find("multicast") == std::string::npos);
}

TEST_CASE("addresses are written in canonical form") {
  auto config = pop_config();
  config.neighbors[1].address = "2001:DB8:0::1";
  CHECK(render_exabgp_config(config)->find("neighbor 2001:db8::1 {") != std::string::npos);
}

TEST_CASE("bad addresses are refused with the field named") {
  auto config = pop_config();
  SUBCASE("neighbor") {
    config.neighbors[0].address = "192.0.2.300";
    CHECK(render_error(config).rfind("neighbor 192.0.2.300: bad neighbor address '192.0.2.300'",
                                     0) == 0);
  }
  SUBCASE("router-id") {
    config.router_id = "2001:db8::2";
    CHECK(render_error(config) == "router-id: '2001:db8::2' is not a non-zero IPv4 address");
  }
  SUBCASE("router-id 0.0.0.0") {
    config.router_id = "0.0.0.0";
    CHECK(render_error(config) == "router-id: '0.0.0.0' is not a non-zero IPv4 address");
  }
  SUBCASE("local address") {
    config.local_address = "localhost";
    CHECK(render_error(config).rfind("local-address: bad address 'localhost'", 0) == 0);
  }
  SUBCASE("local address of the other family") {
    config.neighbors[1].local_address = "";
    CHECK(render_error(config) ==
          "neighbor 2001:db8::1: local address 192.0.2.2 is not of the neighbor's family");
  }
  SUBCASE("a neighbor twice") {
    config.neighbors[1].address = "192.0.2.1";
    config.neighbors[1].local_address = "";
    CHECK(render_error(config) == "neighbor 192.0.2.1: neighbor listed twice");
  }
}

TEST_CASE("AS 0 and AS_TRANS are refused") {
  auto config = pop_config();
  SUBCASE("local") {
    config.local_as = 0;
    CHECK(render_error(config) == "local-as: AS 0 is reserved (RFC 7607)");
  }
  SUBCASE("peer") {
    config.neighbors[0].peer_as = 0;
    CHECK(render_error(config) == "neighbor 192.0.2.1 peer-as: AS 0 is reserved (RFC 7607)");
  }
  SUBCASE("AS_TRANS") {
    config.neighbors[0].peer_as = 23456;
    CHECK(render_error(config) ==
          "neighbor 192.0.2.1 peer-as: AS 23456 is AS_TRANS (RFC 6793), not a real AS");
  }
}

TEST_CASE("hold times below 3 s are refused") {
  auto config = pop_config();
  for (uint32_t hold : {0u, 1u, 2u, 65536u}) {
    config.hold_time = hold;
    CHECK_MESSAGE(render_error(config).rfind(
                      "hold-time: " + std::to_string(hold) + " s is out of range", 0) == 0,
                  hold);
  }
  config.hold_time = 3;
  CHECK(render_exabgp_config(config)->find("    hold-time 3;\n") != std::string::npos);
}

TEST_CASE("MD5 passwords the ExaBGP parser would take apart are refused") {
  auto config = pop_config();
  for (std::string bad : std::vector<std::string>{"with space", "quo\"te", "semi;colon", "hash#",
                                                  "back\\slash", std::string(81, 'x')}) {
    config.neighbors[1].md5_password = bad;
    CHECK_MESSAGE(render_error(config).rfind("neighbor 2001:db8::1: MD5 password", 0) == 0, bad);
  }
  config.neighbors[1].md5_password = std::string(80, 'x');
  CHECK(render_exabgp_config(config));
}

TEST_CASE("the process stanza needs an absolute program and plain arguments") {
  auto config = pop_config();
  SUBCASE("relative program") {
    config.bridge_command = {"cdn-exabgp-bridge"};
    CHECK(render_error(config) ==
          "process: the bridge command must start with an absolute program path");
  }
  SUBCASE("no command") {
    config.bridge_command.clear();
    CHECK(render_error(config) ==
          "process: the bridge command must start with an absolute program path");
  }
  SUBCASE("argument with a semicolon") {
    config.bridge_command.push_back("--x;y");
    CHECK(render_error(config).rfind("process: argument '--x;y'", 0) == 0);
  }
  SUBCASE("bad process name") {
    config.process_name = "cdn bridge";
    CHECK(render_error(config) == "process: bad process name 'cdn bridge'");
  }
}

TEST_CASE("a neighbor needs a family and the config a neighbor") {
  auto config = pop_config();
  config.neighbors[0].ipv4_unicast = false;
  config.neighbors[0].ipv6_unicast = false;
  CHECK(render_error(config) == "neighbor 192.0.2.1: no address family enabled");
  config.neighbors.clear();
  CHECK(render_error(config) == "neighbors: no neighbor to announce to");
}

TEST_CASE("the ExaBGP environment turns the CLI pipes off and keeps acks on") {
  CHECK(exabgp_environment() == "exabgp_api_cli=false\nexabgp_api_ack=true\n");
}

}  // namespace
}  // namespace cdn::bgp
