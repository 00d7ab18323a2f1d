// dns/zone/rdata.h: the data of master-file records, read field by field. Types by name and
// number, domain names, the field checks that word what ldns would only refuse, a fast path for
// the types that make up large zones, RFC 3597 generic data, and ldns for everything else. Used
// by the loader; ldns stays inside rdata.cc.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dns/wire/wire.h"
#include "dns/zone/master_text.h"
#include "dns/zone/zone_data.h"

namespace cdn::dns {

// The mnemonic of a type ("AAAA"), or "TYPE65280" for one ldns does not know.
std::string type_text(uint16_t type);
// ldns knows the type's fields (so its data can be written in presentation format).
bool type_known(uint16_t type);
// RFC 6895 3.1: OPT and the meta and question types (128-255) never appear in zone data.
bool type_storable(uint16_t type);
// The type or class a mnemonic (or TYPEnnn, CLASSnnn) stands for; 0 when it stands for none.
uint16_t type_by_name(std::string_view name);
uint16_t class_by_name(std::string_view name);

// `text` as a name; relative names are completed with `origin`, "@" is the origin itself.
std::variant<WireName, std::string> parse_name(std::string_view text, const WireName& origin);

// The rdata of one record of `type` at `owner` from its data tokens (in the wire form the
// record is served in, names uncompressed), or the reason it is refused, naming the field.
std::variant<std::vector<uint8_t>, std::string> parse_rdata(const WireName& owner, uint16_t type,
                                                            std::span<const Token> data,
                                                            const WireName& origin);

// The record in ldns's presentation format; nullopt when its data does not fit its type.
std::optional<std::string> presentation_text(const RecordData& record);

}  // namespace cdn::dns
