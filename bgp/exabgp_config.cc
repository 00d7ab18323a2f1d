#include "bgp/exabgp_config.h"

#include <set>

#include "common/net/prefix.h"

namespace cdn::bgp {
namespace {

constexpr size_t kMaxMd5Password = 80;  // Linux TCP_MD5SIG_MAXKEYLEN, also ExaBGP's limit

Status check_as(uint32_t asn, const std::string& where) {
  if (asn == 0) return Error(where, "AS 0 is reserved (RFC 7607)");
  if (asn == 23456) return Error(where, "AS 23456 is AS_TRANS (RFC 6793), not a real AS");
  return Ok{};
}

// A word ExaBGP's tokenizer reads back unchanged: no blanks, quotes, backslashes, comments or
// the characters that end a statement or open a block.
bool plain_word(const std::string& word) {
  if (word.empty()) return false;
  for (unsigned char c : word)
    if (c <= ' ' || c >= 0x7f ||
        std::string_view("\"'\\#;{}[],").find(char(c)) != std::string_view::npos)
      return false;
  return true;
}

Result<net::Address> read_address(const std::string& text, const std::string& where,
                                  const std::string& what) {
  auto address = net::parse_address(text);
  if (!address) return Error(where, "bad " + what + " '" + text + "': " + address.error().what);
  if (address->is_unspecified() || address->is_v4_mapped())
    return Error(where, what + " '" + text + "' cannot be used");
  return *address;
}

}  // namespace

Result<std::string> render_exabgp_config(const ExabgpConfig& config) {
  if (auto ok = check_as(config.local_as, "local-as"); !ok) return ok.error();
  auto router_id = net::parse_address(config.router_id);
  if (!router_id || router_id->family != net::Family::V4 || router_id->is_unspecified())
    return Error("router-id", "'" + config.router_id + "' is not a non-zero IPv4 address");
  if (config.hold_time < 3 || config.hold_time > 65535)
    return Error("hold-time", std::to_string(config.hold_time) +
                                  " s is out of range: 3 to 65535 s (RFC 4271 4.2; 0 would "
                                  "turn keepalives off)");
  if (!config.local_address.empty()) {
    auto local = read_address(config.local_address, "local-address", "address");
    if (!local) return local.error();
  }
  if (config.neighbors.empty()) return Error("neighbors", "no neighbor to announce to");
  if (!plain_word(config.process_name))
    return Error("process", "bad process name '" + config.process_name + "'");
  if (config.bridge_command.empty() || config.bridge_command.front().empty() ||
      config.bridge_command.front().front() != '/')
    return Error("process", "the bridge command must start with an absolute program path");
  for (const auto& arg : config.bridge_command)
    if (!plain_word(arg))
      return Error("process", "argument '" + arg +
                                  "' has blanks, quotes or characters ExaBGP's parser takes apart");

  std::string out =
      "# exabgp.conf for ExaBGP 4.2, rendered by cdnctl bgp render: edits are overwritten.\n"
      "# No graceful-restart on purpose; run ExaBGP with exabgp.api.cli=false.\n"
      "\n"
      "process " +
      config.process_name + " {\n    run";
  for (const auto& arg : config.bridge_command) out += " " + arg;
  out += ";\n    encoder text;\n}\n";

  std::set<net::Address> seen;
  for (const auto& n : config.neighbors) {
    std::string where = "neighbor " + n.address;
    auto address = read_address(n.address, where, "neighbor address");
    if (!address) return address.error();
    if (!seen.insert(*address).second) return Error(where, "neighbor listed twice");
    if (auto ok = check_as(n.peer_as, where + " peer-as"); !ok) return ok.error();
    const std::string& local_text =
        n.local_address.empty() ? config.local_address : n.local_address;
    if (local_text.empty()) return Error(where, "no local address");
    auto local = read_address(local_text, where, "local address");
    if (!local) return local.error();
    if (local->family != address->family)
      return Error(where, "local address " + local_text + " is not of the neighbor's family");
    if (!n.md5_password.empty() &&
        (n.md5_password.size() > kMaxMd5Password || !plain_word(n.md5_password)))
      return Error(where,
                   "MD5 password must be 1 to 80 printable characters without blanks, "
                   "quotes, backslashes or #;{}[],");
    if (!n.ipv4_unicast && !n.ipv6_unicast) return Error(where, "no address family enabled");

    out += "\nneighbor " + address->text() + " {\n";
    out += "    router-id " + router_id->text() + ";\n";
    out += "    local-address " + local->text() + ";\n";
    out += "    local-as " + std::to_string(config.local_as) + ";\n";
    out += "    peer-as " + std::to_string(n.peer_as) + ";\n";
    out += "    hold-time " + std::to_string(config.hold_time) + ";\n";
    if (!n.md5_password.empty()) out += "    md5-password \"" + n.md5_password + "\";\n";
    out += "    family {";
    if (n.ipv4_unicast) out += " ipv4 unicast;";
    if (n.ipv6_unicast) out += " ipv6 unicast;";
    out += " }\n";
    out += "    api { processes [ " + config.process_name + " ]; neighbor-changes; }\n";
    out += "}\n";
  }
  return out;
}

std::string exabgp_environment() {
  return "exabgp_api_cli=false\n"
         "exabgp_api_ack=true\n";
}

}  // namespace cdn::bgp
