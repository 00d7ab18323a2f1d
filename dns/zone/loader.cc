// dns/zone/loader.cc: RFC 1035 master files into ZoneData.
//
// How the parts fit: a Tokenizer cuts the text into entries (one logical line each: parentheses
// joined, comments dropped, quoted strings kept whole) and remembers the line each entry starts
// on. ZoneParser reads the directives ($ORIGIN, $TTL, $INCLUDE) itself and also the head of each
// record (owner, TTL, class, type), so that every mistake there gets a precise message; the rdata
// is checked field by field against ldns's descriptor of the type and then converted by ldns
// (ldns_rr_new_frm_str) from one normalised line "owner ttl IN type rdata". RFC 3597 data
// (\# LENGTH HEX) is decoded here, because ldns accepts bad hex in it silently.
//
// Nothing stops at the first problem: a bad record is reported and skipped, and the next entry is
// parsed as usual, so one run shows every error in the file. validate_zone() runs last.
#include "dns/zone/loader.h"

#include <ldns/ldns.h>
// ldns/common.h defines bool, true and false as macros in C++ too (it does not see the
// compiler's bool); left defined they break <optional> and friends.
#undef bool
#undef true
#undef false

#include <arpa/inet.h>

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
#include "dns/zone/validate.h"

namespace cdn::dns {
namespace {

constexpr uint16_t kTypeSoa = 6;
constexpr uint16_t kClassIn = 1;
constexpr size_t kMaxNameLength = 255;    // RFC 1035 3.1
constexpr uint32_t kMaxTtl = 2147483647;  // RFC 2181 8
constexpr int kMaxIncludeDepth = 10;

// One owner per C handle, freed the way ldns wants.
struct FreeRr {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct FreeRdf {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
struct FreeChars {
  void operator()(char* text) const { std::free(text); }
};
using RrPtr = std::unique_ptr<ldns_rr, FreeRr>;
using RdfPtr = std::unique_ptr<ldns_rdf, FreeRdf>;
using CharsPtr = std::unique_ptr<char, FreeChars>;

// ---------------------------------------------------------------------------------------------
// Tokenizer

struct Token {
  std::string_view text;  // as written: quotes and backslash escapes included
  bool quoted = false;
};

struct Entry {
  uint32_t line = 0;         // where the entry starts
  bool owner_blank = false;  // began with a blank: the owner is the previous one
  std::vector<Token> tokens;
  uint32_t error_line = 0;  // set with `error` when the entry cannot be used
  std::string error;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  // The next entry that has tokens or an error; false at the end of the text.
  bool next(Entry& entry) {
    while (pos_ < text_.size()) {
      read_entry(entry);
      if (!entry.tokens.empty() || !entry.error.empty()) return true;
    }
    return false;
  }

 private:
  void fail(Entry& entry, uint32_t line, std::string what) {
    if (!entry.error.empty()) return;  // the first problem of an entry is the one to fix
    entry.error_line = line;
    entry.error = std::move(what);
  }

  void read_entry(Entry& entry) {
    entry = Entry{};
    entry.line = line_;
    entry.owner_blank = is_blank(text_[pos_]);
    int depth = 0;
    uint32_t open_line = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
        if (depth == 0) return;
        continue;
      }
      if (is_blank(c)) {
        ++pos_;
      } else if (c == ';') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '(') {
        if (depth++ == 0) open_line = line_;
        ++pos_;
      } else if (c == ')') {
        if (depth == 0) {
          fail(entry, line_, "')' without '('");
        } else {
          --depth;
        }
        ++pos_;
      } else if (c == '"') {
        read_quoted(entry);
      } else {
        size_t start = pos_;
        while (pos_ < text_.size()) {
          char d = text_[pos_];
          if (d == '\\') {
            // An escaped character never ends a token; a newline cannot be escaped.
            pos_ += (pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') ? 2 : 1;
            continue;
          }
          if (is_blank(d) || d == '\n' || d == ';' || d == '(' || d == ')' || d == '"') break;
          ++pos_;
        }
        entry.tokens.push_back({text_.substr(start, pos_ - start), false});
      }
    }
    if (depth > 0) {
      fail(entry, open_line, "'(' is never closed");
    }
  }

  void read_quoted(Entry& entry) {
    size_t start = pos_++;
    while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') {
      pos_ += (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') ? 2 : 1;
    }
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      // A quoted string does not run over a line break (BIND reads it the same way), so the
      // next line is parsed as usual.
      fail(entry, line_, "quoted string without its closing '\"'");
      entry.tokens.push_back({text_.substr(start, pos_ - start), true});
      return;
    }
    ++pos_;
    entry.tokens.push_back({text_.substr(start, pos_ - start), true});
  }

  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

// ---------------------------------------------------------------------------------------------
// Small pieces of presentation format

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max) {
  if (!all_digits(text) || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > max) return std::nullopt;
  }
  return value;
}

// "3600", or with units as BIND writes them: "1h30m", "2d", "1w".
constexpr std::string_view kTtlUnits = "smhdw";
constexpr uint64_t kTtlUnitSeconds[] = {1, 60, 3600, 86400, 604800};

std::optional<uint64_t> parse_ttl_value(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (all_digits(text)) return parse_decimal(text, UINT64_C(0xffffffffff));
  uint64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) ++pos;
    if (pos == start || pos == text.size()) return std::nullopt;
    auto number = parse_decimal(text.substr(start, pos - start), UINT64_C(0xffffffff));
    if (!number) return std::nullopt;
    size_t unit =
        kTtlUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos]))));
    if (unit == std::string_view::npos) return std::nullopt;
    ++pos;
    total += *number * kTtlUnitSeconds[unit];
    if (total > UINT64_C(0xffffffffff)) return std::nullopt;
  }
  return total;
}

// A TTL or the reason it is not one.
std::variant<uint32_t, std::string> parse_ttl(std::string_view text) {
  auto value = parse_ttl_value(text);
  if (!value) return "bad TTL '" + std::string(text) + "'";
  if (*value > kMaxTtl) {
    return "TTL '" + std::string(text) + "' is above " + std::to_string(kMaxTtl) + " (RFC 2181 8)";
  }
  return static_cast<uint32_t>(*value);
}

std::string type_text(uint16_t type) {
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(type);
  if (descriptor != nullptr && descriptor->_type == type && descriptor->_name != nullptr) {
    return descriptor->_name;
  }
  return "TYPE" + std::to_string(type);
}

bool type_known(uint16_t type) {
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(type);
  return descriptor != nullptr && descriptor->_type == type && descriptor->_name != nullptr;
}

// RFC 6895 3.1: OPT and the meta and question types (128-255) never appear in zone data.
bool type_storable(uint16_t type) { return type != 0 && type != 41 && (type < 128 || type > 255); }

// ldns's own words for a status, to follow a colon in our messages.
std::string ldns_reason(ldns_status status) {
  std::string text = ldns_get_errorstr_by_id(status);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

RdfPtr rdf_from_name(const WireName& name) {
  return RdfPtr(ldns_dname_new_frm_data(static_cast<uint16_t>(name.size()), name.data()));
}

// `text` as a name; relative names are completed with `origin`, "@" is the origin itself.
std::variant<WireName, std::string> parse_name(std::string_view text, const WireName& origin) {
  if (text == "@") return origin;
  std::string copy(text);
  ldns_rdf* raw = nullptr;
  ldns_status status = ldns_str2rdf_dname(&raw, copy.c_str());
  RdfPtr rdf(raw);
  if (status != LDNS_STATUS_OK || rdf == nullptr) {
    return ldns_reason(status);
  }
  const uint8_t* data = ldns_rdf_data(rdf.get());
  WireName name(data, data + ldns_rdf_size(rdf.get()));
  // ldns ends every parsed name with the root label; only the text says whether it was relative.
  if (!ldns_dname_str_absolute(copy.c_str()) && copy != ".") {
    name.pop_back();
    name.insert(name.end(), origin.begin(), origin.end());
  }
  if (name.size() > kMaxNameLength) return std::string("name longer than 255 bytes");
  return name;
}

// Length of a character-string once its quotes and escapes are gone.
size_t unescaped_length(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  size_t length = 0;
  for (size_t i = 0; i < text.size(); ++length) {
    if (text[i] == '\\' && i + 3 < text.size() && all_digits(text.substr(i + 1, 3))) {
      i += 4;
    } else if (text[i] == '\\' && i + 1 < text.size()) {
      i += 2;
    } else {
      ++i;
    }
  }
  return length;
}

std::string join_tokens(std::span<const Token> tokens) {
  std::string out;
  for (const Token& token : tokens) {
    if (!out.empty()) out += ' ';
    out += token.text;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rdata

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// What a field of this kind is called in messages; nullptr for kinds that may span several
// tokens (base64, hex, type bitmaps, LOC, ...) and are left to ldns.
const char* single_token_field(ldns_rdf_type kind) {
  switch (kind) {
    case LDNS_RDF_TYPE_A:
      return "IPv4 address";
    case LDNS_RDF_TYPE_AAAA:
      return "IPv6 address";
    case LDNS_RDF_TYPE_DNAME:
      return "domain name";
    case LDNS_RDF_TYPE_INT8:
      return "8-bit number";
    case LDNS_RDF_TYPE_INT16:
      return "16-bit number";
    case LDNS_RDF_TYPE_INT32:
      return "32-bit number";
    case LDNS_RDF_TYPE_PERIOD:
      return "time value";
    case LDNS_RDF_TYPE_TIME:
      return "time stamp";
    case LDNS_RDF_TYPE_STR:
      return "character string";
    case LDNS_RDF_TYPE_TAG:
      return "tag";
    case LDNS_RDF_TYPE_LONG_STR:
      return "string";
    case LDNS_RDF_TYPE_TYPE:
      return "type";
    case LDNS_RDF_TYPE_ALG:
      return "algorithm";
    case LDNS_RDF_TYPE_CERT_ALG:
      return "certificate type";
    case LDNS_RDF_TYPE_CERTIFICATE_USAGE:
      return "certificate usage";
    case LDNS_RDF_TYPE_SELECTOR:
      return "selector";
    case LDNS_RDF_TYPE_MATCHING_TYPE:
      return "matching type";
    default:
      return nullptr;
  }
}

// The first field ldns would refuse, in words; nullopt when nothing is found (ldns decides).
// ldns itself only says "could not parse the RR's rdata", and it takes 70000 for a 16-bit number.
// Strict RFC 4648 base64 (no line breaks, '=' only at the end); false when malformed.
bool decode_base64(std::string_view text, std::vector<uint8_t>& out) {
  if (text.size() % 4 != 0) return false;
  uint32_t bits = 0;
  int count = 0;
  size_t padding = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
            : c == '='             ? -2
                                   : -1;
    if (v == -1 || (v >= 0 && padding > 0)) return false;
    if (v == -2) {
      if (++padding > 2) return false;
      continue;
    }
    bits = (bits << 6) | uint32_t(v);
    if (++count == 4) {
      out.push_back(uint8_t(bits >> 16));
      out.push_back(uint8_t(bits >> 8));
      out.push_back(uint8_t(bits));
      bits = 0;
      count = 0;
    }
  }
  if (padding == 0) return count == 0;
  if (count + padding != 4) return false;
  if (count == 2) out.push_back(uint8_t(bits >> 4));
  if (count == 3) {
    out.push_back(uint8_t(bits >> 10));
    out.push_back(uint8_t(bits >> 2));
  }
  return true;
}

// IPSECKEY (RFC 4025 2.1) is converted here, never by ldns: ldns reads it as one field and
// leaks the parts it copied whenever one of them is malformed.
std::variant<std::string, std::vector<uint8_t>> ipseckey_rdata(std::span<const Token> tokens,
                                                               const WireName& origin) {
  const std::string in_record = " in IPSECKEY record";
  if (tokens.size() < 4 || tokens.size() > 5) {
    return "expected PRECEDENCE GATEWAY-TYPE ALGORITHM GATEWAY [PUBLIC-KEY]" + in_record;
  }
  for (const Token& t : tokens) {
    if (t.quoted || t.text.find('\\') != std::string_view::npos) {
      return "bad field '" + std::string(t.text) + "'" + in_record;
    }
  }
  std::string precedence(tokens[0].text), gateway_type(tokens[1].text), algorithm(tokens[2].text),
      gateway(tokens[3].text);
  auto p = parse_decimal(precedence, 0xff);
  if (!p) return "bad precedence '" + precedence + "'" + in_record;
  auto kind = parse_decimal(gateway_type, 3);
  if (!kind) return "bad gateway type '" + gateway_type + "'" + in_record + " (0 to 3)";
  auto alg = parse_decimal(algorithm, 0xff);
  if (!alg) return "bad algorithm '" + algorithm + "'" + in_record;
  std::vector<uint8_t> rdata = {uint8_t(*p), uint8_t(*kind), uint8_t(*alg)};
  std::string bad_gateway =
      "bad gateway '" + gateway + "' for gateway type " + gateway_type + in_record;
  uint8_t buf[16];
  switch (*kind) {
    case 0:
      if (gateway != ".") return bad_gateway;
      break;
    case 1:
    case 2: {
      bool v4 = *kind == 1;
      if (inet_pton(v4 ? AF_INET : AF_INET6, gateway.c_str(), buf) != 1) return bad_gateway;
      rdata.insert(rdata.end(), buf, buf + (v4 ? 4 : 16));
      break;
    }
    default: {
      auto name = parse_name(gateway, origin);
      if (std::holds_alternative<std::string>(name)) return bad_gateway;
      const WireName& wire = std::get<WireName>(name);
      rdata.insert(rdata.end(), wire.begin(), wire.end());
    }
  }
  if (tokens.size() == 5 && !decode_base64(tokens[4].text, rdata)) {
    return "bad base64 public key '" + std::string(tokens[4].text) + "'" + in_record;
  }
  return rdata;
}

std::optional<std::string> check_fields(uint16_t type, std::span<const Token> tokens) {
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(type);
  const std::string in_record = " in " + type_text(type) + " record";
  if (type == LDNS_RR_TYPE_IPSECKEY) {
    auto rdata = ipseckey_rdata(tokens, WireName{0});
    if (auto* why = std::get_if<std::string>(&rdata)) return *why;
    return std::nullopt;
  }
  size_t minimum = ldns_rr_descriptor_minimum(descriptor);
  size_t maximum = ldns_rr_descriptor_maximum(descriptor);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i >= maximum) {
      return "unexpected '" + join_tokens(tokens.subspan(i)) + "' after the data" + in_record;
    }
    ldns_rdf_type kind = ldns_rr_descriptor_field_type(descriptor, i);
    if (kind == LDNS_RDF_TYPE_HEX) {
      // The last field, possibly in several tokens; ldns pads an odd digit count and reads
      // letters past 'f' as digits.
      std::string hex = join_tokens(tokens.subspan(i));
      size_t digits = 0;
      for (char c : hex) {
        if (c == ' ') continue;
        if (hex_value(c) < 0) return "bad hex '" + hex + "'" + in_record;
        ++digits;
      }
      if (digits % 2 != 0) return "bad hex '" + hex + "'" + in_record + " (two digits per byte)";
      return std::nullopt;
    }
    if (kind == LDNS_RDF_TYPE_BITMAP) {
      // ldns turns an unknown type name in a type bitmap into TYPE0.
      for (const Token& token : tokens.subspan(i)) {
        std::string name(token.text);
        if (token.quoted || ldns_get_rr_type_by_name(name.c_str()) == 0) {
          return "unknown type '" + name + "'" + in_record;
        }
      }
      return std::nullopt;
    }
    const char* kind_name = single_token_field(kind);
    if (kind_name == nullptr) return std::nullopt;
    std::string text(tokens[i].text);
    std::string bad = std::string("bad ") + kind_name + " '" + text + "'" + in_record;
    switch (kind) {
      case LDNS_RDF_TYPE_INT8:
        if (!parse_decimal(text, 0xff)) return bad + " (0 to 255)";
        continue;
      case LDNS_RDF_TYPE_INT16:
        if (!parse_decimal(text, 0xffff)) return bad + " (0 to 65535)";
        continue;
      case LDNS_RDF_TYPE_INT32:
        if (!parse_decimal(text, 0xffffffff)) return bad + " (0 to 4294967295)";
        continue;
      case LDNS_RDF_TYPE_STR:
        if (unescaped_length(text) > 255) {
          return "character string longer than 255 bytes" + in_record + " (split it into several)";
        }
        continue;
      case LDNS_RDF_TYPE_LONG_STR:
        continue;
      case LDNS_RDF_TYPE_ALG:
      case LDNS_RDF_TYPE_CERT_ALG: {
        // A number or a mnemonic, decided here: ldns's reader of a certificate type leaks the
        // number it parsed when it then refuses it (type 0, reserved by RFC 4398 2.1).
        bool alg = kind == LDNS_RDF_TYPE_ALG;
        if (tokens[i].quoted) return bad;
        if (auto n = parse_decimal(text, alg ? 0xff : 0xffff)) {
          if (!alg && *n == 0) return bad + " (0 is reserved)";
          continue;
        }
        if (ldns_lookup_by_name(alg ? ldns_algorithms : ldns_cert_algorithms, text.c_str())) {
          continue;
        }
        return bad;
      }
      case LDNS_RDF_TYPE_DNAME: {
        if (text == "@") continue;
        if (tokens[i].quoted) return bad;
        auto name = parse_name(text, WireName{0});
        if (auto* why = std::get_if<std::string>(&name)) return bad + ": " + *why;
        continue;
      }
      default:
        break;
    }
    if (tokens[i].quoted) return bad;
    RdfPtr rdf(ldns_rdf_new_frm_str(kind, text.c_str()));
    if (rdf == nullptr) return bad;
  }
  if (tokens.size() < minimum) {
    return "missing data" + in_record + ": needs " + std::to_string(minimum) + " fields, found " +
           std::to_string(tokens.size());
  }
  return std::nullopt;
}

// ldns's reading of one record given in wire format; nullptr when the rdata does not fit the type
// (too short, too long, or a name that runs off its end).
RrPtr rr_from_wire(const RecordData& record) {
  if (record.rdata.size() > 0xffff) return nullptr;
  std::vector<uint8_t> wire(record.owner);
  for (uint32_t field : {uint32_t{record.type}, uint32_t{record.rclass}, record.ttl >> 16,
                         record.ttl & 0xffff, static_cast<uint32_t>(record.rdata.size())}) {
    wire.push_back(static_cast<uint8_t>(field >> 8));
    wire.push_back(static_cast<uint8_t>(field));
  }
  wire.insert(wire.end(), record.rdata.begin(), record.rdata.end());
  ldns_rr* raw = nullptr;
  size_t pos = 0;
  ldns_status status = ldns_wire2rr(&raw, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER);
  RrPtr rr(raw);
  if (status != LDNS_STATUS_OK || pos != wire.size()) return nullptr;
  return rr;
}

// The rdata of a parsed record: its fields' wire forms back to back (names uncompressed).
std::vector<uint8_t> rdata_of(const ldns_rr* rr) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
  }
  return out;
}

// RFC 3597 5: "\# LENGTH HEX...", the hex possibly split into several tokens.
std::variant<std::vector<uint8_t>, std::string> parse_generic_rdata(uint16_t type,
                                                                    std::span<const Token> tokens) {
  if (tokens.size() < 2) return std::string("missing length after \\# (RFC 3597)");
  auto length = parse_decimal(tokens[1].text, 0xffff);
  if (!length) return "bad RFC 3597 length '" + std::string(tokens[1].text) + "'";
  std::vector<uint8_t> rdata;
  for (const Token& token : tokens.subspan(2)) {
    std::string_view hex = token.text;
    if (hex.size() % 2 != 0 || token.quoted) {
      return "bad hex '" + std::string(hex) + "' in RFC 3597 data (two digits per byte)";
    }
    for (size_t i = 0; i < hex.size(); i += 2) {
      int high = hex_value(hex[i]);
      int low = hex_value(hex[i + 1]);
      if (high < 0 || low < 0) return "bad hex '" + std::string(hex) + "' in RFC 3597 data";
      rdata.push_back(static_cast<uint8_t>(high * 16 + low));
    }
  }
  if (rdata.size() != *length) {
    return "RFC 3597 length " + std::to_string(*length) + " does not match the " +
           std::to_string(rdata.size()) + " bytes of data";
  }
  if (type_known(type)) {
    RecordData probe;
    probe.owner = WireName{0};
    probe.type = type;
    probe.rdata = rdata;
    RrPtr rr = rr_from_wire(probe);
    if (rr == nullptr || rdata_of(rr.get()) != rdata) {
      return "RFC 3597 data is not a valid " + type_text(type) + " record";
    }
  }
  return rdata;
}

// ---------------------------------------------------------------------------------------------
// Records

// The types that make up nearly every large zone, converted without building a line for ldns
// (which cost most of the load time: about 2 us per record). It takes only exactly the fields
// the type has, each well-formed and unquoted, without escapes; for anything else it returns
// false and the record goes through check_fields() and ldns as before.
bool fast_rdata(uint16_t type, std::span<const Token> data, const WireName& origin,
                std::vector<uint8_t>& rdata) {
  auto plain = [&](size_t i) {
    return !data[i].quoted && data[i].text.find('\\') == std::string_view::npos;
  };
  auto append_name = [&](std::string_view text) {
    auto name = parse_name(text, origin);
    if (std::holds_alternative<std::string>(name)) return false;
    const WireName& wire = std::get<WireName>(name);
    rdata.insert(rdata.end(), wire.begin(), wire.end());
    return true;
  };
  switch (type) {
    case LDNS_RR_TYPE_A:
    case LDNS_RR_TYPE_AAAA: {
      if (data.size() != 1 || !plain(0)) return false;
      std::string text(data[0].text);
      uint8_t buf[16];
      int family = type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
      if (inet_pton(family, text.c_str(), buf) != 1) return false;
      rdata.assign(buf, buf + (type == LDNS_RR_TYPE_A ? 4 : 16));
      return true;
    }
    case LDNS_RR_TYPE_NS:
    case LDNS_RR_TYPE_CNAME:
    case LDNS_RR_TYPE_PTR:
    case LDNS_RR_TYPE_DNAME:
      if (data.size() != 1 || !plain(0)) return false;
      rdata.clear();
      if (append_name(data[0].text)) return true;
      rdata.clear();
      return false;
    case LDNS_RR_TYPE_MX: {
      if (data.size() != 2 || !plain(0) || !plain(1)) return false;
      auto preference = parse_decimal(data[0].text, 0xffff);
      if (!preference) return false;
      rdata = {uint8_t(*preference >> 8), uint8_t(*preference)};
      if (append_name(data[1].text)) return true;
      rdata.clear();
      return false;
    }
    case LDNS_RR_TYPE_IPSECKEY: {
      auto wire = ipseckey_rdata(data, origin);
      if (std::holds_alternative<std::string>(wire)) return false;  // check_fields words it
      rdata = std::move(std::get<std::vector<uint8_t>>(wire));
      return true;
    }
    default:
      return false;
  }
}

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
    std::string copy(text);
    ldns_rr_class rclass = ldns_get_rr_class_by_name(copy.c_str());
    if (rclass == 0) break;
    if (has_class) return "two classes: '" + copy + "'";
    has_class = true;
    if (rclass != LDNS_RR_CLASS_IN) {
      return "class '" + copy + "' is not supported: zones here are class IN only";
    }
    head.rclass = static_cast<uint16_t>(rclass);
  }
  if (i >= entry.tokens.size()) return std::string("missing type");
  std::string type_name(entry.tokens[i].text);
  int type =
      entry.tokens[i].quoted ? 0 : static_cast<int>(ldns_get_rr_type_by_name(type_name.c_str()));
  if (type <= 0 || type > 0xffff) return "unknown type '" + type_name + "'";
  if (!type_storable(static_cast<uint16_t>(type))) {
    return "type '" + type_name + "' cannot appear in a zone";
  }
  head.type = static_cast<uint16_t>(type);
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
  const std::string in_record = " in " + type_text(head.type) + " record";

  ParsedRecord parsed;
  parsed.has_ttl = head.ttl.has_value();
  RecordData& record = parsed.record;
  record.owner = owner;
  record.type = head.type;
  record.rclass = head.rclass;
  record.ttl = head.ttl.value_or(0);
  record.line = entry.line;

  if (!data.empty() && data[0].text == "\\#" && !data[0].quoted) {
    auto rdata = parse_generic_rdata(head.type, data);
    if (auto* why = std::get_if<std::string>(&rdata)) return *why;
    record.rdata = std::move(std::get<std::vector<uint8_t>>(rdata));
    return parsed;
  }
  if (!type_known(head.type)) {
    return "type " + type_text(head.type) +
           " is unknown here: write its data as \\# LENGTH HEX (RFC 3597)";
  }
  if (data.empty()) return "missing data" + in_record;
  // Well-formed common records need neither the field checks nor ldns; anything fast_rdata()
  // does not take goes the careful way, which also words the error.
  if (fast_rdata(head.type, data, origin, record.rdata)) return parsed;
  if (auto why = check_fields(head.type, data)) return *why;
  if (head.type == LDNS_RR_TYPE_IPSECKEY) {  // never ldns (see ipseckey_rdata)
    auto wire = ipseckey_rdata(data, origin);
    if (auto* why = std::get_if<std::string>(&wire)) return *why;
    record.rdata = std::move(std::get<std::vector<uint8_t>>(wire));
    return parsed;
  }

  // One normalised line for ldns: absolute owner, explicit TTL and class, the data as written.
  // ldns wants the value of CAA (a LONG_STR) quoted, though RFC 8659 4.1.1 allows it bare.
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(head.type);
  std::string line =
      name_to_text(owner) + " " + std::to_string(record.ttl) + " IN " + type_text(head.type);
  for (size_t i = 0; i < data.size(); ++i) {
    line += ' ';
    bool bare_long_string = !data[i].quoted && i < ldns_rr_descriptor_maximum(descriptor) &&
                            ldns_rr_descriptor_field_type(descriptor, i) == LDNS_RDF_TYPE_LONG_STR;
    if (bare_long_string) {
      line += '"';
      line += data[i].text;
      line += '"';
    } else {
      line += data[i].text;
    }
  }
  RdfPtr origin_rdf = rdf_from_name(origin);
  ldns_rr* raw = nullptr;
  ldns_status status =
      ldns_rr_new_frm_str(&raw, line.c_str(), record.ttl, origin_rdf.get(), nullptr);
  RrPtr rr(raw);
  if (status != LDNS_STATUS_OK || rr == nullptr) {
    return "bad data '" + join_tokens(data) + "'" + in_record + ": " + ldns_reason(status);
  }
  record.rdata = rdata_of(rr.get());
  if (record.rdata.size() > 0xffff) return "data longer than 65535 bytes" + in_record;
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
      } else if (record.type == kTypeSoa) {
        record.ttl = soa_minimum(record);
        warn_default_ttl(context, entry.line, record.ttl);
      } else if (soa_minimum_) {
        record.ttl = *soa_minimum_;
        warn_default_ttl(context, entry.line, record.ttl);
      } else {
        return error(context, entry.line, "no TTL, and no $TTL or SOA before this record");
      }
    }
    if (record.type == kTypeSoa && !soa_minimum_) soa_minimum_ = soa_minimum(record);
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
  if (RrPtr rr = rr_from_wire(record)) {
    CharsPtr text(ldns_rr2str_fmt(ldns_output_format_nocomments, rr.get()));
    if (text != nullptr) {
      std::string out(text.get());
      while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
      return out;
    }
  }
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
