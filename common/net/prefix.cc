#include "common/net/prefix.h"

#include <arpa/inet.h>

#include <charconv>

namespace cdn::net {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedHead = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Clears every bit at position >= length; returns whether any was set.
bool clear_host_bits(Address& a, int length) {
  bool had = false;
  int bytes = a.family == Family::V4 ? 4 : 16;
  for (int i = 0; i < bytes; ++i) {
    int keep = length - i * 8;  // bits of this byte that belong to the network
    uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : uint8_t(0xff << (8 - keep));
    if (a.bytes[size_t(i)] & ~mask) had = true;
    a.bytes[size_t(i)] &= mask;
  }
  return had;
}

}  // namespace

bool Address::is_unspecified() const {
  for (uint8_t b : bytes)
    if (b != 0) return false;
  return true;
}

bool Address::is_v4_mapped() const {
  if (family != Family::V6) return false;
  for (size_t i = 0; i < kV4MappedHead.size(); ++i)
    if (bytes[i] != kV4MappedHead[i]) return false;
  return true;
}

std::string Address::text() const {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, bytes.data(), out, sizeof out);
  return out;
}

Result<Address> parse_address(std::string_view text) {
  std::string s(text);
  Address a;
  if (s.find(':') == std::string::npos) {
    a.family = Family::V4;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    return Error(s, "not an IPv4 address (expected four decimal octets, such as 192.0.2.1)");
  }
  a.family = Family::V6;
  if (s.find('%') != std::string::npos)
    return Error(s, "a zone index ('%...') is not allowed in an IPv6 address");
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  return Error(s, "not an IPv6 address");
}

bool Prefix::contains(const Address& a) const {
  if (a.family != address.family) return false;
  Address masked = a;
  clear_host_bits(masked, length);
  return masked == address;
}

std::string Prefix::text() const { return address.text() + "/" + std::to_string(length); }

Result<Prefix> parse_prefix(std::string_view text) {
  std::string input(text);
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return Error(input, "expected ADDRESS/LENGTH, such as 192.0.2.0/24 or 2001:db8::/32");
  auto address = parse_address(text.substr(0, slash));
  if (!address) return Error(input, address.error().what);
  std::string_view length_text = text.substr(slash + 1);
  unsigned length = 0;
  const char* end = length_text.data() + length_text.size();
  auto [stop, ec] = std::from_chars(length_text.data(), end, length);
  if (length_text.empty() || ec != std::errc() || stop != end ||
      (length_text.size() > 1 && length_text.front() == '0'))
    return Error(input, "bad prefix length '" + std::string(length_text) + "'");
  if (length > unsigned(address->max_length()))
    return Error(input, "prefix length " + std::to_string(length) + " is longer than " +
                            std::to_string(address->max_length()) + " bits");
  if (address->is_v4_mapped())
    return Error(input, "IPv4-mapped IPv6 prefix; write the IPv4 prefix itself");
  Prefix prefix{*address, uint8_t(length)};
  if (clear_host_bits(prefix.address, int(length)))
    return Error(input, "host bits set after /" + std::to_string(length) + "; the network is " +
                            prefix.text());
  return prefix;
}

Bits128 address_value(const Address& address) noexcept {
  Bits128 v = 0;
  const int n = address.family == Family::V4 ? 4 : 16;
  for (int i = 0; i < n; ++i) v = v << 8 | address.bytes[size_t(i)];
  return v;
}

Address address_from_value(Family family, Bits128 value) noexcept {
  Address a;
  a.family = family;
  const int n = family == Family::V4 ? 4 : 16;
  for (int i = n; i-- > 0;) {
    a.bytes[size_t(i)] = uint8_t(value);
    value >>= 8;
  }
  return a;
}

Bits128 prefix_mask(Family family, int length) noexcept {
  const int bits = address_bits(family);
  if (length <= 0) return 0;
  Bits128 all = bits == 128 ? ~Bits128(0) : (Bits128(1) << bits) - 1;
  if (length >= bits) return all;
  return all & ~((Bits128(1) << (bits - length)) - 1);
}

Prefix prefix_of(const Address& address, int length) noexcept {
  Prefix p;
  p.length = uint8_t(length);
  p.address = address_from_value(address.family,
                                 address_value(address) & prefix_mask(address.family, length));
  return p;
}

bool contains(const Prefix& outer, const Prefix& inner) noexcept {
  if (outer.address.family != inner.address.family || inner.length < outer.length) return false;
  const Bits128 mask = prefix_mask(outer.address.family, outer.length);
  return (address_value(inner.address) & mask) == address_value(outer.address);
}

}  // namespace cdn::net
