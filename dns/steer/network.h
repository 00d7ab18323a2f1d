// dns/steer/network.h: IPv4/IPv6 addresses and prefixes as the steering code handles them.
// An address is its family and network-order bytes; a prefix is an address with a length whose
// bits beyond the length are zero. For range arithmetic (merging, gap filling, table lookup) an
// address is also a 128-bit number: an IPv4 address in the low 32 bits, an IPv6 address whole.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cdn::dns {

__extension__ typedef unsigned __int128 Bits128;  // g++ and clang both have it

inline constexpr uint8_t kIpv4 = 4;
inline constexpr uint8_t kIpv6 = 6;

inline constexpr int address_bits(uint8_t family) { return family == kIpv4 ? 32 : 128; }

struct Address {
  uint8_t family = kIpv4;           // kIpv4 or kIpv6
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  friend bool operator==(const Address&, const Address&) = default;
};

struct Network {
  Address address;  // zero beyond `length`
  uint8_t length = 0;

  friend bool operator==(const Network&, const Network&) = default;
  friend auto operator<=>(const Network& a, const Network& b) {
    if (a.address.family != b.address.family) return a.address.family <=> b.address.family;
    if (a.address.bytes != b.address.bytes) return a.address.bytes <=> b.address.bytes;
    return a.length <=> b.length;
  }
};

// Numeric addresses only ("192.0.2.1", "2001:db8::1").
Result<Address> parse_address(std::string_view text);
// "192.0.2.0/24", "2001:db8::/32"; bits beyond the length must be zero.
Result<Network> parse_network(std::string_view text);
std::string address_text(const Address& address);
std::string network_text(const Network& network);  // "192.0.2.0/24"

// The number an address is, and back.
Bits128 address_value(const Address& address) noexcept;
Address address_from_value(uint8_t family, Bits128 value) noexcept;
// The mask keeping the first `length` bits of a `family` address, as a number.
Bits128 prefix_mask(uint8_t family, int length) noexcept;
// `address` with the bits beyond `length` cleared.
Network network_of(const Address& address, int length) noexcept;
bool contains(const Network& outer, const Network& inner) noexcept;

}  // namespace cdn::dns
