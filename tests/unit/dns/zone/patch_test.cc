// tests/unit/dns/zone/patch_test.cc: tests dns/zone/patch.cc against the whole compile. A zone
// large enough for many shards is changed at random, owner by owner (new names below empty
// non-terminals, wildcards, CNAMEs, glue, names emptied and taken out), and after every round
// the patched zone must answer every probe exactly as the zone compiled whole from the same
// records, while the zone it was patched from still answers as before.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dns/wire/wire.h"
#include "dns/zone/compiled_zone.h"
#include "dns/zone/loader.h"
#include "dns/zone/lookup.h"
#include "tests/support/dns_message.h"
#include "tests/support/zone_lookup.h"

using namespace cdn::dns;

namespace {

// The zone as lines of text per lower-case owner, the way the store keeps it.
using Model = std::map<std::string, std::vector<std::string>>;

const char* kHead = R"(example. 3600 IN SOA ns1.example. hostmaster.example. 1 7200 3600 1209600 300
example. 3600 IN NS ns1.example.
example. 3600 IN NS ns.sub.example.
example. 3600 IN MX 10 mail.example.
)";

Model base_model(size_t hosts) {
  Model m;
  m["ns1.example."] = {"ns1.example. 300 IN A 192.0.2.1"};
  m["mail.example."] = {"mail.example. 300 IN A 192.0.2.25"};
  m["sub.example."] = {"sub.example. 300 IN NS ns.sub.example."};
  m["ns.sub.example."] = {"ns.sub.example. 300 IN A 192.0.2.53"};
  m["old.example."] = {"old.example. 300 IN DNAME new.example."};
  m["*.w.example."] = {"*.w.example. 300 IN TXT \"wild\""};
  for (size_t i = 0; i < hosts; ++i) {
    std::string owner = "h" + std::to_string(i) + ".g" + std::to_string(i % 97) + ".example.";
    m[owner] = {owner + " 300 IN A 198.51." + std::to_string(i / 250 % 256) + "." +
                std::to_string(i % 250)};
  }
  return m;
}

CompiledZone compile_model(const Model& m) {
  std::string text = kHead;
  for (const auto& [owner, lines] : m) {
    for (const auto& l : lines) text += l + "\n";
  }
  auto load = parse_zone_text(text, "example", "test");
  REQUIRE_MESSAGE(load.ok(), (load.errors.empty() ? "" : load.errors[0].text()));
  auto zone = CompiledZone::compile(load.zone);
  REQUIRE(zone.has_value());
  return std::move(zone.value());
}

OwnerChange change_of(const Model& m, const std::string& owner) {
  OwnerChange c;
  c.owner = cdn::test::wire_name(owner);
  if (auto it = m.find(owner); it != m.end()) {
    for (const auto& line : it->second) {
      auto r = parse_record(line, "example", 300);
      REQUIRE(r.has_value());
      c.records.push_back(std::move(*r));
    }
  }
  return c;
}

// Everything one lookup says, spelled out so two zones can be compared.
std::string describe(const CompiledZone& zone, const std::string& name, uint16_t qtype) {
  LookupResult r = cdn::test::lookup_text(zone, name, qtype);
  std::string out = std::to_string(int(r.kind)) + (r.wildcard ? " wild" : "");
  if (r.node != kNone) {
    const Node& node = zone.node(r.node);
    out += " at " + name_to_text(WireName(zone.name(node), zone.name(node) + node.name_length));
  }
  if (r.rrset != nullptr) {
    auto w = zone.wire(*r.rrset);
    out += " rrset " + std::to_string(r.rrset->count) + "x" + std::string(w.begin(), w.end());
    AdditionalTarget targets[16];
    size_t t =
        zone.additional(*r.rrset, zone.node(r.node), r.kind == LookupKind::Referral, targets, 16);
    for (size_t i = 0; i < t; ++i) {
      const Node& a = zone.node(targets[i].node);
      out += " +" + name_to_text(WireName(zone.name(a), zone.name(a) + a.name_length));
    }
  }
  return out;
}

std::vector<std::string> probes(const Model& m, const std::set<std::string>& extra) {
  std::vector<std::string> out(extra.begin(), extra.end());
  size_t i = 0;
  for (const auto& [owner, lines] : m) {
    if (i++ % 7 == 0) out.push_back(owner);
  }
  for (const auto& name : extra) {  // below and above what changed
    out.push_back("below." + name);
    if (auto dot = name.find('.'); dot + 1 < name.size()) out.push_back(name.substr(dot + 1));
  }
  for (const char* n : {"example.", "nothing.example.", "x.w.example.", "a.b.w.example.",
                        "a.sub.example.", "z.old.example.", "g3.example.", "q.g3.example."})
    out.emplace_back(n);
  return out;
}

void expect_same(const CompiledZone& a, const CompiledZone& b,
                 const std::vector<std::string>& names) {
  CHECK(a.node_count() == b.node_count());
  CHECK(a.record_count() == b.record_count());
  for (const auto& name : names) {
    for (uint16_t t : {type::A, type::TXT, type::MX, type::CNAME, type::NS, type::ANY}) {
      INFO(name << " type " << t);
      CHECK(describe(a, name, t) == describe(b, name, t));
    }
  }
}

}  // namespace

TEST_CASE("patched zones answer exactly as zones compiled whole") {
  Model model = base_model(12000);
  CompiledZone zone = compile_model(model);
  REQUIRE(zone.shard_count() > 1);
  std::mt19937 rng(12345);
  std::set<std::string> touched_ever;
  auto pick_existing = [&]() {
    auto it = model.begin();
    std::advance(it, rng() % model.size());
    return it->first;
  };
  for (int round = 0; round < 40; ++round) {
    Model before = model;
    std::set<std::string> touched;
    const int changes = 1 + int(rng() % 6);
    for (int c = 0; c < changes; ++c) {
      const std::string id = std::to_string(round) + "-" + std::to_string(c);
      switch (rng() % 10) {
        case 0: {  // a new name under new empty non-terminals
          std::string owner = "n" + id + ".e" + std::to_string(rng() % 5) + ".fresh.example.";
          model[owner] = {owner + " 300 IN A 203.0.113." + std::to_string(rng() % 250)};
          touched.insert(owner);
          break;
        }
        case 1: {  // a new wildcard, and a name it would otherwise cover
          std::string owner = "*.g" + std::to_string(rng() % 97) + ".example.";
          model[owner] = {owner + " 300 IN TXT \"w" + id + "\""};
          touched.insert(owner);
          break;
        }
        case 2: {  // one more record at an existing host
          std::string owner = pick_existing();
          if (owner == "*.w.example." || owner.find("old") != std::string::npos) break;
          bool has_cname = false, has_ns = false;
          for (const auto& l : model[owner]) {
            has_cname |= l.find(" CNAME ") != std::string::npos;
            has_ns |= l.find(" NS ") != std::string::npos || l.find(" DNAME ") != std::string::npos;
          }
          if (has_cname || has_ns) break;
          model[owner].push_back(owner + " 300 IN TXT \"t" + id + "\"");
          touched.insert(owner);
          break;
        }
        case 3: {  // a name emptied (its empty non-terminals above go with it)
          std::string owner = pick_existing();
          if (owner == "sub.example." || owner == "old.example.") break;
          model.erase(owner);
          touched.insert(owner);
          break;
        }
        case 4: {  // a CNAME at a new name, pointing at a host
          std::string owner = "c" + id + ".example.";
          model[owner] = {owner + " 300 IN CNAME " + pick_existing()};
          touched.insert(owner);
          break;
        }
        case 5: {  // glue below the delegation
          std::string owner = "ns" + id + ".sub.example.";
          model[owner] = {owner + " 300 IN A 192.0.2." + std::to_string(rng() % 250)};
          touched.insert(owner);
          break;
        }
        case 6: {  // an MX at a new name, its target a host that exists or not
          std::string owner = "m" + id + ".g1.example.";
          std::string target = rng() % 2 ? pick_existing() : "gone" + id + ".example.";
          model[owner] = {owner + " 300 IN MX 10 " + target};
          touched.insert(owner);
          break;
        }
        case 8: {  // a wildcard taken out
          std::vector<std::string> wildcards;
          for (const auto& [owner, lines] : model) {
            if (owner.rfind("*.", 0) == 0) wildcards.push_back(owner);
          }
          if (wildcards.empty()) break;
          const std::string owner = wildcards[rng() % wildcards.size()];
          model.erase(owner);
          touched.insert(owner);
          break;
        }
        case 9: {  // a name below a host, the host emptied: it stays as an empty non-terminal
          std::string host = pick_existing();
          if (host.find("sub.") != std::string::npos || host.find("old.") != std::string::npos ||
              host == "mail.example." || host == "ns1.example.")
            break;
          std::string owner = "k" + id + "." + host;
          model[owner] = {owner + " 300 IN A 203.0.113.7"};
          model.erase(host);
          touched.insert(owner);
          touched.insert(host);
          break;
        }
        default: {  // an address for a name an MX points at
          std::string owner = "mail.example.";
          model[owner].push_back(owner + " 300 IN AAAA 2001:db8::" + std::to_string(rng() % 9999));
          touched.insert(owner);
          break;
        }
      }
    }
    std::vector<OwnerChange> change;
    change.reserve(touched.size());
    for (const auto& owner : touched) change.push_back(change_of(model, owner));
    auto patched = zone.patch(change, "db:example");
    REQUIRE_MESSAGE(patched.has_value(), patched.error().text());
    REQUIRE(patched->has_value());
    touched_ever.insert(touched.begin(), touched.end());
    auto names = probes(model, touched_ever);
    expect_same(**patched, compile_model(model), names);
    // The zone it came from is untouched.
    if (round % 4 == 0) expect_same(zone, compile_model(before), names);
    zone = std::move(**patched);
  }
}

TEST_CASE("what moves links elsewhere goes to a whole compile") {
  Model model = base_model(100);
  CompiledZone zone = compile_model(model);
  auto whole = [&](const std::string& owner, const std::string& line) {
    Model m = model;
    m[owner].push_back(line);
    auto r = zone.patch({change_of(m, owner)}, "db:example");
    REQUIRE(r.has_value());
    return !r->has_value();
  };
  CHECK(whole("example.", "example. 300 IN TXT \"apex\""));
  CHECK(whole("deleg.example.", "deleg.example. 300 IN NS ns1.example."));
  CHECK(whole("d.example.", "d.example. 300 IN DNAME new.example."));
  CHECK(whole("sub.example.", "sub.example. 300 IN TXT \"at the cut\""));
  CHECK_FALSE(whole("h1.g1.example.", "h1.g1.example. 300 IN TXT \"plain\""));
}

TEST_CASE("a patch that would break the zone's rules is refused, naming the owner") {
  Model model = base_model(100);
  CompiledZone zone = compile_model(model);
  SUBCASE("CNAME and other data") {
    Model m = model;
    m["h1.g1.example."].push_back("h1.g1.example. 300 IN CNAME h2.g2.example.");
    auto r = zone.patch({change_of(m, "h1.g1.example.")}, "db:example");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().text().find("CNAME and other data") != std::string::npos);
    CHECK(r.error().text().find("h1.g1.example.") != std::string::npos);
  }
  SUBCASE("below a DNAME") {
    Model m = model;
    m["a.old.example."] = {"a.old.example. 300 IN A 192.0.2.9"};
    auto r = zone.patch({change_of(m, "a.old.example.")}, "db:example");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().text().find("below the DNAME at old.example.") != std::string::npos);
  }
  SUBCASE("outside the zone") {
    Model m;
    m["www.example.net."] = {"www.example.net. 300 IN A 192.0.2.9"};
    auto r = zone.patch({change_of(m, "www.example.net.")}, "db:example");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().text().find("outside the zone") != std::string::npos);
  }
}
