// dns/zone/rdata.cc: record data from master-file tokens (rdata.h).
//
// The careful way: the fields are checked one by one against ldns's descriptor of the type, then
// one normalised line "owner ttl IN type rdata" is converted by ldns (ldns_rr_new_frm_str). RFC
// 3597 data (\# LENGTH HEX) and IPSECKEY are decoded here, because ldns accepts bad hex in the one
// and leaks memory on a bad field of the other. The common types take a fast path without ldns.
#include "dns/zone/rdata.h"

#include <ldns/ldns.h>
// ldns/common.h defines bool, true and false as macros in C++ too (it does not see the
// compiler's bool); left defined they break <optional> and friends.
#undef bool
#undef true
#undef false

#include <arpa/inet.h>

#include <cctype>
#include <cstdlib>
#include <memory>

#include "dns/zone/loader.h"

namespace cdn::dns {
namespace {

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

// ldns's own words for a status, to follow a colon in our messages.
std::string ldns_reason(ldns_status status) {
  std::string text = ldns_get_errorstr_by_id(status);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

RdfPtr rdf_from_name(const WireName& name) {
  return RdfPtr(ldns_dname_new_frm_data(static_cast<uint16_t>(name.size()), name.data()));
}

}  // namespace

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

uint16_t type_by_name(std::string_view name) {
  std::string copy(name);
  return static_cast<uint16_t>(ldns_get_rr_type_by_name(copy.c_str()));
}

uint16_t class_by_name(std::string_view name) {
  std::string copy(name);
  return static_cast<uint16_t>(ldns_get_rr_class_by_name(copy.c_str()));
}

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

namespace {

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

// The first field ldns would refuse, in words; nullopt when nothing is found (ldns decides).
// ldns itself only says "could not parse the RR's rdata", and it takes 70000 for a 16-bit number.
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

}  // namespace

std::variant<std::vector<uint8_t>, std::string> parse_rdata(const WireName& owner, uint16_t type,
                                                            std::span<const Token> data,
                                                            const WireName& origin) {
  const std::string in_record = " in " + type_text(type) + " record";
  if (!data.empty() && data[0].text == "\\#" && !data[0].quoted) {
    return parse_generic_rdata(type, data);
  }
  if (!type_known(type)) {
    return "type " + type_text(type) +
           " is unknown here: write its data as \\# LENGTH HEX (RFC 3597)";
  }
  if (data.empty()) return "missing data" + in_record;
  // Well-formed common records need neither the field checks nor ldns; anything fast_rdata()
  // does not take goes the careful way, which also words the error.
  std::vector<uint8_t> rdata;
  if (fast_rdata(type, data, origin, rdata)) return rdata;
  if (auto why = check_fields(type, data)) return *why;
  if (type == LDNS_RR_TYPE_IPSECKEY) {  // never ldns (see ipseckey_rdata)
    auto wire = ipseckey_rdata(data, origin);
    if (auto* why = std::get_if<std::string>(&wire)) return *why;
    return std::move(std::get<std::vector<uint8_t>>(wire));
  }

  // One normalised line for ldns: absolute owner, a TTL and the class (neither matters to the
  // data), the data as written.
  // ldns wants the value of CAA (a LONG_STR) quoted, though RFC 8659 4.1.1 allows it bare.
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(type);
  std::string line = name_to_text(owner) + " 0 IN " + type_text(type);
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
  ldns_status status = ldns_rr_new_frm_str(&raw, line.c_str(), 0, origin_rdf.get(), nullptr);
  RrPtr rr(raw);
  if (status != LDNS_STATUS_OK || rr == nullptr) {
    return "bad data '" + join_tokens(data) + "'" + in_record + ": " + ldns_reason(status);
  }
  rdata = rdata_of(rr.get());
  if (rdata.size() > 0xffff) return "data longer than 65535 bytes" + in_record;
  return rdata;
}

std::optional<std::string> presentation_text(const RecordData& record) {
  if (RrPtr rr = rr_from_wire(record)) {
    CharsPtr text(ldns_rr2str_fmt(ldns_output_format_nocomments, rr.get()));
    if (text != nullptr) {
      std::string out(text.get());
      while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace cdn::dns
