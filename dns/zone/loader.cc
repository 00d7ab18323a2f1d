// dns/zone/loader.cc: RFC 1035 master files into ZoneData.
//
// How the parts fit: a Tokenizer (master_text.h) cuts the text into entries (one logical line
// each: parentheses joined, comments dropped, quoted strings kept whole) and remembers the line
// each entry starts on. ZoneParser reads the directives ($ORIGIN, $TTL, $INCLUDE) itself and also
// the head of each record (owner, TTL, class, type), so that every mistake there gets a precise
// message; the data of the record is read by parse_rdata() (rdata.h), field by field.
//
// Nothing stops at the first problem: a bad record is reported and skipped, and the next entry is
// parsed as usual, so one run shows every error in the file. validate_zone() runs last.
#include "dns/zone/loader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "common/log.h"
#include "dns/zone/master_text.h"
#include "dns/zone/rdata.h"
#include "dns/zone/validate.h"

namespace cdn::dns {
namespace {

constexpr int kMaxIncludeDepth = 10;

struct ParsedRecord {
  RecordData record;
  bool has_ttl = false;
};

struct RecordHead {
  std::optional<uint32_t> ttl;
  uint16_t rclass = kClassIn;
  uint16_t type = 0;
  size_t rdata_start = 0;  // index of the first rdata token
};

// Owner, TTL and class (either order, both optional) and type of an entry.
std::variant<RecordHead, std::string> parse_head(const Entry& entry, size_t first) {
  RecordHead head;
  size_t i = first;
  bool has_class = false;
  for (; i < entry.tokens.size() && i < first + 2; ++i) {
    std::string_view text = entry.tokens[i].text;
    if (entry.tokens[i].quoted) break;
    if (std::isdigit(static_cast<unsigned char>(text.front())) != 0) {
      if (head.ttl) return "two TTLs: '" + std::string(text) + "'";
      auto ttl = parse_ttl(text);
      if (auto* why = std::get_if<std::string>(&ttl)) return *why;
      head.ttl = std::get<uint32_t>(ttl);
      continue;
    }
    uint16_t rclass = class_by_name(text);
    if (rclass == 0) break;
    if (has_class) return "two classes: '" + std::string(text) + "'";
    has_class = true;
    if (rclass != kClassIn) {
      return "class '" + std::string(text) + "' is not supported: zones here are class IN only";
    }
    head.rclass = rclass;
  }
  if (i >= entry.tokens.size()) return std::string("missing type");
  std::string type_name(entry.tokens[i].text);
  uint16_t type = entry.tokens[i].quoted ? 0 : type_by_name(type_name);
  if (type == 0) return "unknown type '" + type_name + "'";
  if (!type_storable(type)) return "type '" + type_name + "' cannot appear in a zone";
  head.type = type;
  head.rdata_start = i + 1;
  return head;
}

// One record from an entry. `owner_out` gets the owner as soon as it is known, so that a record
// with bad data still passes its owner on to the blank-owner lines after it.
std::variant<ParsedRecord, std::string> parse_entry(const Entry& entry, const WireName& origin,
                                                    const std::optional<WireName>& previous_owner,
                                                    std::optional<WireName>& owner_out) {
  WireName owner;
  size_t first = 0;
  if (entry.owner_blank) {
    if (!previous_owner) return std::string("no owner name and no record before this one");
    owner = *previous_owner;
  } else {
    std::string_view text = entry.tokens[0].text;
    auto name = parse_name(text, origin);
    if (auto* why = std::get_if<std::string>(&name)) {
      return "bad owner name '" + std::string(text) + "': " + *why;
    }
    owner = std::move(std::get<WireName>(name));
    first = 1;
  }
  owner_out = owner;

  auto head_or_error = parse_head(entry, first);
  if (auto* why = std::get_if<std::string>(&head_or_error)) return *why;
  const RecordHead& head = std::get<RecordHead>(head_or_error);
  std::span<const Token> data = std::span(entry.tokens).subspan(head.rdata_start);

  ParsedRecord parsed;
  parsed.has_ttl = head.ttl.has_value();
  RecordData& record = parsed.record;
  record.owner = owner;
  record.type = head.type;
  record.rclass = head.rclass;
  record.ttl = head.ttl.value_or(0);
  record.line = entry.line;

  auto rdata = parse_rdata(owner, head.type, data, origin);
  if (auto* why = std::get_if<std::string>(&rdata)) return *why;
  record.rdata = std::move(std::get<std::vector<uint8_t>>(rdata));
  return parsed;
}

// Minimum field of an SOA: the last 32 bits of its data (RFC 1035 3.3.13).
uint32_t soa_minimum(const RecordData& soa) {
  const std::vector<uint8_t>& d = soa.rdata;
  size_t n = d.size();
  if (n < 4) return 0;
  return (uint32_t{d[n - 4]} << 24) | (uint32_t{d[n - 3]} << 16) | (uint32_t{d[n - 2]} << 8) |
         uint32_t{d[n - 1]};
}

// ---------------------------------------------------------------------------------------------
// Files and directives

bool read_file(const std::filesystem::path& file, std::string& out, std::string& why) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    why = std::generic_category().message(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return false;
  }
  out = buffer.str();
  return true;
}

// The state one file (or one $INCLUDE) is read with; an included file gets its own copy, so
// $ORIGIN, $TTL and the previous owner of the including file are unchanged after it.
struct FileContext {
  std::string where;                // names the file in messages
  std::filesystem::path directory;  // $INCLUDE names are relative to it
  bool includes_allowed = false;
  WireName origin;
  std::optional<uint32_t> ttl;  // from $TTL
  std::optional<WireName> previous_owner;
};

class ZoneParser {
 public:
  explicit ZoneParser(ZoneLoad& out) : out_(out) {}

  void parse(std::string_view text, FileContext& context, int depth) {
    Tokenizer tokenizer(text);
    Entry entry;
    while (tokenizer.next(entry)) {
      if (!entry.error.empty()) {
        error(context, entry.error_line, entry.error);
        // Keep the owner flowing to the next lines even though this entry is unusable.
        if (!entry.owner_blank && !entry.tokens.empty() && !entry.tokens[0].quoted &&
            entry.tokens[0].text.front() != '$') {
          auto name = parse_name(entry.tokens[0].text, context.origin);
          if (auto* owner = std::get_if<WireName>(&name)) context.previous_owner = *owner;
        }
        continue;
      }
      if (!entry.owner_blank && !entry.tokens[0].quoted && entry.tokens[0].text.front() == '$') {
        directive(entry, context, depth);
      } else {
        record(entry, context);
      }
    }
  }

  // Names record `index` in messages: its own file and line.
  std::string place(size_t index) const {
    return files_[record_files_[index]] + ":" + std::to_string(out_.zone.records[index].line);
  }

 private:
  void error(const FileContext& context, uint32_t line, std::string what) {
    out_.errors.emplace_back(context.where + ":" + std::to_string(line), std::move(what));
  }

  void directive(const Entry& entry, FileContext& context, int depth) {
    std::string name = upper(entry.tokens[0].text);
    std::span<const Token> args = std::span(entry.tokens).subspan(1);
    if (name == "$ORIGIN") {
      if (args.size() != 1) return error(context, entry.line, "$ORIGIN takes one name");
      auto origin = parse_name(args[0].text, context.origin);
      if (auto* why = std::get_if<std::string>(&origin)) {
        return error(context, entry.line,
                     "bad $ORIGIN '" + std::string(args[0].text) + "': " + *why);
      }
      context.origin = std::move(std::get<WireName>(origin));
    } else if (name == "$TTL") {
      if (args.size() != 1) return error(context, entry.line, "$TTL takes one value");
      auto ttl = parse_ttl(args[0].text);
      if (auto* why = std::get_if<std::string>(&ttl)) return error(context, entry.line, *why);
      context.ttl = std::get<uint32_t>(ttl);
    } else if (name == "$INCLUDE") {
      include(entry, args, context, depth);
    } else if (name == "$GENERATE") {
      error(context, entry.line, "$GENERATE is not supported");
    } else {
      error(context, entry.line, "unknown directive '" + std::string(entry.tokens[0].text) + "'");
    }
  }

  void include(const Entry& entry, std::span<const Token> args, const FileContext& context,
               int depth) {
    if (!context.includes_allowed) {
      return error(context, entry.line, "$INCLUDE is only allowed in zone files");
    }
    if (args.empty() || args.size() > 2) {
      return error(context, entry.line, "$INCLUDE takes a file name and an optional origin");
    }
    if (depth >= kMaxIncludeDepth) {
      return error(context, entry.line,
                   "$INCLUDE nested more than " + std::to_string(kMaxIncludeDepth) +
                       " deep (does a file include itself?)");
    }
    std::string_view name = args[0].text;
    if (args[0].quoted) name = name.substr(1, name.size() >= 2 ? name.size() - 2 : 0);
    FileContext child;
    std::filesystem::path path(name);
    if (path.is_relative()) path = context.directory / path;
    child.where = path.string();
    child.directory = path.parent_path();
    child.includes_allowed = true;
    child.origin = context.origin;
    child.ttl = context.ttl;
    if (args.size() == 2) {
      auto origin = parse_name(args[1].text, context.origin);
      if (auto* why = std::get_if<std::string>(&origin)) {
        return error(context, entry.line,
                     "bad $INCLUDE origin '" + std::string(args[1].text) + "': " + *why);
      }
      child.origin = std::move(std::get<WireName>(origin));
    }
    std::string text;
    std::string why;
    if (!read_file(path, text, why)) {
      return error(context, entry.line, "cannot read $INCLUDE file " + child.where + ": " + why);
    }
    parse(text, child, depth + 1);
  }

  void record(const Entry& entry, FileContext& context) {
    std::optional<WireName> owner;
    auto parsed = parse_entry(entry, context.origin, context.previous_owner, owner);
    if (owner) context.previous_owner = owner;
    if (auto* why = std::get_if<std::string>(&parsed)) return error(context, entry.line, *why);
    ParsedRecord& result = std::get<ParsedRecord>(parsed);
    RecordData& record = result.record;
    if (!result.has_ttl) {
      if (context.ttl) {
        record.ttl = *context.ttl;
      } else if (record.type == type::SOA) {
        record.ttl = soa_minimum(record);
        warn_default_ttl(context, entry.line, record.ttl);
      } else if (soa_minimum_) {
        record.ttl = *soa_minimum_;
        warn_default_ttl(context, entry.line, record.ttl);
      } else {
        return error(context, entry.line, "no TTL, and no $TTL or SOA before this record");
      }
    }
    if (record.type == type::SOA && !soa_minimum_) soa_minimum_ = soa_minimum(record);
    out_.zone.records.push_back(std::move(record));
    record_files_.push_back(file_index(context.where));
  }

  // RFC 2308 4 introduced $TTL; older files mean the SOA minimum, as BIND reads them. Said once.
  void warn_default_ttl(const FileContext& context, uint32_t line, uint32_t ttl) {
    if (default_ttl_warned_) return;
    default_ttl_warned_ = true;
    log::warn("zone.default_ttl",
              {{"where", context.where + ":" + std::to_string(line)},
               {"ttl", ttl},
               {"reason", "no $TTL: records without a TTL get the SOA minimum"}});
  }

  uint32_t file_index(const std::string& where) {
    if (files_.empty() || files_.back() != where) {
      auto found = std::find(files_.begin(), files_.end(), where);
      if (found != files_.end()) return static_cast<uint32_t>(found - files_.begin());
      files_.push_back(where);
    }
    return static_cast<uint32_t>(files_.size() - 1);
  }

  ZoneLoad& out_;
  std::optional<uint32_t> soa_minimum_;  // of the first SOA: the default TTL without $TTL
  bool default_ttl_warned_ = false;
  std::vector<std::string> files_;      // every file records came from
  std::vector<uint32_t> record_files_;  // index into files_, one per record
};

ZoneLoad parse_zone(std::string_view text, std::string_view origin, std::string where,
                    std::filesystem::path directory, bool includes_allowed) {
  ZoneLoad load;
  load.zone.source = where;
  auto origin_name = name_from_text(origin);
  if (!origin_name) {
    load.errors.emplace_back(
        where, "bad origin '" + std::string(origin) + "': " + origin_name.error().what);
    return load;
  }
  load.zone.origin = *origin_name;
  FileContext context;
  context.where = std::move(where);
  context.directory = std::move(directory);
  context.includes_allowed = includes_allowed;
  context.origin = load.zone.origin;
  ZoneParser parser(load);
  parser.parse(text, context, 0);
  std::vector<Error> problems =
      validate_zone(load.zone, [&parser](size_t index) { return parser.place(index); });
  load.errors.insert(load.errors.end(), std::make_move_iterator(problems.begin()),
                     std::make_move_iterator(problems.end()));
  return load;
}

}  // namespace

ZoneLoad load_zone_file(const std::filesystem::path& file, std::string_view origin) {
  std::string text;
  std::string why;
  if (!read_file(file, text, why)) {
    ZoneLoad load;
    load.zone.source = file.string();
    load.errors.emplace_back(file.string(), "cannot read the zone file: " + why);
    return load;
  }
  return parse_zone(text, origin, file.string(), file.parent_path(), true);
}

ZoneLoad parse_zone_text(std::string_view text, std::string_view origin, std::string_view source) {
  return parse_zone(text, origin, std::string(source), {}, false);
}

Result<RecordData> parse_record(std::string_view text, std::string_view origin,
                                uint32_t default_ttl) {
  auto origin_name = name_from_text(origin);
  if (!origin_name) {
    return Error("bad origin '" + std::string(origin) + "': " + origin_name.error().what);
  }
  Tokenizer tokenizer(text);
  Entry entry;
  if (!tokenizer.next(entry)) return Error("empty record");
  if (!entry.error.empty()) return Error(entry.error);
  Entry extra;
  if (tokenizer.next(extra)) return Error("more than one record");
  if (entry.owner_blank) return Error("the record has no owner name");
  if (!entry.tokens[0].quoted && entry.tokens[0].text.front() == '$') {
    return Error("directives such as " + std::string(entry.tokens[0].text) +
                 " are only allowed in zone files");
  }
  std::optional<WireName> owner;
  auto parsed = parse_entry(entry, *origin_name, std::nullopt, owner);
  if (auto* why = std::get_if<std::string>(&parsed)) return Error(*why);
  ParsedRecord& result = std::get<ParsedRecord>(parsed);
  if (!result.has_ttl) result.record.ttl = default_ttl;
  result.record.line = 0;
  return std::move(result.record);
}

std::string record_to_text(const RecordData& record) {
  if (auto text = presentation_text(record)) return std::move(*text);
  // Data ldns cannot read as its type: the RFC 3597 form says exactly what is there.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = name_to_text(record.owner) + "\t" + std::to_string(record.ttl) + "\t";
  out += record.rclass == kClassIn ? std::string("IN") : "CLASS" + std::to_string(record.rclass);
  out += "\tTYPE" + std::to_string(record.type) + "\t\\# " + std::to_string(record.rdata.size());
  if (!record.rdata.empty()) out += ' ';
  for (uint8_t byte : record.rdata) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

std::string name_to_text(const WireName& name) {
  // The escapes ldns prints (ldns_rdf2buffer_str_dname), so that record_to_text and messages
  // spell a name the same way.
  std::string out;
  size_t pos = 0;
  while (pos < name.size() && name[pos] != 0) {
    size_t length = name[pos];
    size_t end = std::min(name.size(), pos + 1 + length);
    for (size_t i = pos + 1; i < end; ++i) {
      uint8_t c = name[i];
      if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c <= ' ' || c >= 127) {
        char escaped[5];
        std::snprintf(escaped, sizeof escaped, "\\%03u", static_cast<unsigned>(c));
        out += escaped;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '.';
    pos = end;
  }
  return out.empty() ? "." : out;
}

Result<WireName> name_from_text(std::string_view text) {
  if (text.empty()) return Error("empty name");
  if (text == "@") return Error("'@' stands for an origin, and there is none here");
  auto name = parse_name(text, WireName{0});
  if (auto* why = std::get_if<std::string>(&name)) {
    return Error("bad name '" + std::string(text) + "': " + *why);
  }
  return std::get<WireName>(std::move(name));
}

}  // namespace cdn::dns
