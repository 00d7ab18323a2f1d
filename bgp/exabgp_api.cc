#include "bgp/exabgp_api.h"

#include <charconv>
#include <vector>

namespace cdn::bgp {
namespace {

template <class T, class Text>
void append_list(std::string& out, std::string_view keyword, const std::vector<T>& items,
                 Text text) {
  if (items.empty()) return;
  out += ' ';
  out += keyword;
  out += " [";
  for (const auto& item : items) {
    out += ' ';
    out += text(item);
  }
  out += " ]";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Splits on blanks; '[' and ']' are tokens of their own even when glued to a word.
std::vector<std::string> tokenize(std::string_view line) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      flush();
    } else if (c == '[' || c == ']') {
      flush();
      out.emplace_back(1, c);
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

bool parse_u32(std::string_view text, uint32_t& out) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > UINT32_MAX)
    return false;
  out = uint32_t(v);
  return true;
}

}  // namespace

Status check_announceable(const routing::Route& route, uint32_t local_as) {
  auto checked = routing::check_route(route);
  if (!checked) return checked;
  if (!route.as_path.empty() && route.as_path.front() != local_as)
    return Error(route.prefix.text(), "AS path [" + std::to_string(route.as_path.front()) +
                                          " ...] does not start with our AS " +
                                          std::to_string(local_as));
  return Ok{};
}

std::string announce_line(const routing::Route& route, uint32_t local_as) {
  std::string out = "announce route " + route.prefix.text() + " next-hop " + route.next_hop.text();
  if (route.med) out += " med " + std::to_string(*route.med);
  append_list(out, "community", route.communities, [](const auto& c) { return c.text(); });
  append_list(out, "large-community", route.large_communities,
              [](const auto& c) { return c.text(); });
  if (route.prepend > 0) {
    std::vector<uint32_t> path(route.prepend + 1, local_as);
    append_list(out, "as-path", path, [](uint32_t asn) { return std::to_string(asn); });
  } else {
    append_list(out, "as-path", route.as_path, [](uint32_t asn) { return std::to_string(asn); });
  }
  return out;
}

std::string withdraw_line(const net::Prefix& prefix, const net::Address& next_hop) {
  return "withdraw route " + prefix.text() + " next-hop " + next_hop.text();
}

Result<Command> parse_command(std::string_view line, uint32_t local_as) {
  std::string where(trim(line));
  auto tokens = tokenize(line);
  Command command;
  if (tokens.size() < 3 || tokens[1] != "route" ||
      (tokens[0] != "announce" && tokens[0] != "withdraw"))
    return Error(where, "expected 'announce route PREFIX ...' or 'withdraw route PREFIX ...'");
  command.action = tokens[0] == "announce" ? Action::Announce : Action::Withdraw;
  auto prefix = net::parse_prefix(tokens[2]);
  if (!prefix) return Error(where, prefix.error().text());
  command.route.prefix = *prefix;

  bool have_next_hop = false;
  size_t i = 3;
  // A bracketed list, or a single value, after a keyword.
  auto read_list = [&](std::vector<std::string>& values) -> bool {
    if (i >= tokens.size()) return false;
    if (tokens[i] != "[") {
      values.push_back(tokens[i++]);
      return true;
    }
    for (++i; i < tokens.size() && tokens[i] != "]"; ++i) values.push_back(tokens[i]);
    if (i >= tokens.size()) return false;
    ++i;
    return true;
  };
  while (i < tokens.size()) {
    std::string keyword = tokens[i++];
    std::vector<std::string> values;
    if (!read_list(values)) return Error(where, "no value after '" + keyword + "'");
    if (keyword == "next-hop") {
      auto hop = net::parse_address(values.front());
      if (!hop) return Error(where, "next-hop: " + hop.error().text());
      command.route.next_hop = *hop;
      have_next_hop = true;
    } else if (keyword == "med" && values.size() == 1) {
      uint32_t med = 0;
      if (!parse_u32(values.front(), med)) return Error(where, "bad med '" + values.front() + "'");
      command.route.med = med;
    } else if (keyword == "community") {
      for (const auto& v : values) {
        auto c = routing::parse_community(v);
        if (!c) return Error(where, c.error().text());
        command.route.communities.push_back(*c);
      }
    } else if (keyword == "large-community") {
      for (const auto& v : values) {
        auto c = routing::parse_large_community(v);
        if (!c) return Error(where, c.error().text());
        command.route.large_communities.push_back(*c);
      }
    } else if (keyword == "as-path") {
      for (const auto& v : values) {
        uint32_t asn = 0;
        if (!parse_u32(v, asn)) return Error(where, "bad AS '" + v + "' in as-path");
        command.route.as_path.push_back(asn);
      }
    } else {
      return Error(where, "unexpected '" + keyword + "'");
    }
  }
  if (!have_next_hop) return Error(where, "no next-hop");
  auto& path = command.route.as_path;
  bool all_local = !path.empty();
  for (uint32_t asn : path) all_local = all_local && asn == local_as;
  if (all_local && path.size() > 1) {
    command.route.prepend = uint32_t(path.size() - 1);
    path.clear();
  }
  return command;
}

Reply parse_reply(std::string_view line) {
  Reply reply;
  std::string_view text = trim(line);
  reply.text = std::string(text);
  if (text == "done") {
    reply.kind = ReplyKind::Done;
  } else if (text == "error") {
    reply.kind = ReplyKind::Error;
  } else if (text == "shutdown" || text.rfind("shutdown ", 0) == 0) {
    reply.kind = ReplyKind::Shutdown;
  } else if (text.rfind("neighbor ", 0) == 0) {
    auto tokens = tokenize(text);
    if (tokens.size() >= 3 && (tokens[2] == "up" || tokens[2] == "down")) {
      reply.kind = tokens[2] == "up" ? ReplyKind::NeighborUp : ReplyKind::NeighborDown;
      reply.neighbor = tokens[1];
    }
  }
  return reply;
}

}  // namespace cdn::bgp
