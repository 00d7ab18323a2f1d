// common/net/prefix.h: IP addresses and prefixes (IPv4 and IPv6) as values, parsed strictly:
// "192.0.2.0/24", "2001:db8::/32". The one address type of the tree: the anycast route set
// that healthd sends and the bridge announces, the configuration checks, and the steering
// tables, which also treat an address as a 128-bit number (an IPv4 address in the low 32 bits,
// an IPv6 address whole) for range arithmetic: merging, gap filling, table lookup. No DNS, no
// I/O.
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cdn::net {

enum class Family : uint8_t { V4, V6 };

__extension__ typedef unsigned __int128 Bits128;  // g++ and clang both have it

inline constexpr int address_bits(Family family) { return family == Family::V4 ? 32 : 128; }

struct Address {
  Family family = Family::V4;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes; the rest stay zero

  int max_length() const { return family == Family::V4 ? 32 : 128; }
  bool is_unspecified() const;  // 0.0.0.0, ::
  bool is_v4_mapped() const;    // ::ffff:a.b.c.d
  std::string text() const;     // canonical (RFC 5952 for IPv6)

  auto operator<=>(const Address&) const = default;
};

// Numeric IPv4 or IPv6 address. Error.where is the input.
Result<Address> parse_address(std::string_view text);

struct Prefix {
  Address address;  // the network: bits past `length` are zero
  uint8_t length = 0;

  Family family() const { return address.family; }
  bool contains(const Address& a) const;
  std::string text() const;  // "192.0.2.0/24", "2001:db8::/32"

  auto operator<=>(const Prefix&) const = default;
};

// "ADDRESS/LENGTH". Rejects host bits past the length (naming the network that was probably
// meant), lengths out of range, and IPv4-mapped IPv6 prefixes (BGP carries those as IPv6 NLRI
// that nobody routes; write the IPv4 prefix instead). Error.where is the input.
Result<Prefix> parse_prefix(std::string_view text);

// The number an address is, and back.
Bits128 address_value(const Address& address) noexcept;
Address address_from_value(Family family, Bits128 value) noexcept;
// The mask keeping the first `length` bits of a `family` address, as a number.
Bits128 prefix_mask(Family family, int length) noexcept;
// The prefix of `length` bits holding `address` (its bits beyond `length` cleared).
Prefix prefix_of(const Address& address, int length) noexcept;
// Whether `inner` lies inside `outer` (or is it).
bool contains(const Prefix& outer, const Prefix& inner) noexcept;

}  // namespace cdn::net
