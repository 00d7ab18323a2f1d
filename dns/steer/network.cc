// dns/steer/network.cc: address and prefix parsing, text and arithmetic (see network.h).
#include "dns/steer/network.h"

#include <arpa/inet.h>

#include <charconv>

namespace cdn::dns {

Result<Address> parse_address(std::string_view text) {
  std::string s(text);
  Address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = kIpv4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = kIpv6;
    return a;
  }
  return Error(s, "not an IPv4 or IPv6 address");
}

Result<Network> parse_network(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Error(std::string(text), "missing /LENGTH");
  auto address = parse_address(text.substr(0, slash));
  if (!address) return Error(std::string(text), "not an IPv4 or IPv6 prefix");
  std::string_view digits = text.substr(slash + 1);
  int length = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || length < 0 ||
      length > address_bits(address->family))
    return Error(std::string(text), "bad prefix length");
  Network n = network_of(*address, length);
  if (n.address != *address) return Error(std::string(text), "bits set beyond the prefix length");
  return n;
}

std::string address_text(const Address& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.family == kIpv4 ? AF_INET : AF_INET6, address.bytes.data(), buf, sizeof buf);
  return buf;
}

std::string network_text(const Network& network) {
  return address_text(network.address) + "/" + std::to_string(network.length);
}

Bits128 address_value(const Address& address) noexcept {
  Bits128 v = 0;
  const int n = address.family == kIpv4 ? 4 : 16;
  for (int i = 0; i < n; ++i) v = v << 8 | address.bytes[i];
  return v;
}

Address address_from_value(uint8_t family, Bits128 value) noexcept {
  Address a;
  a.family = family;
  const int n = family == kIpv4 ? 4 : 16;
  for (int i = n; i-- > 0;) {
    a.bytes[i] = uint8_t(value);
    value >>= 8;
  }
  return a;
}

Bits128 prefix_mask(uint8_t family, int length) noexcept {
  const int bits = address_bits(family);
  if (length <= 0) return 0;
  Bits128 all = bits == 128 ? ~Bits128(0) : (Bits128(1) << bits) - 1;
  if (length >= bits) return all;
  return all & ~((Bits128(1) << (bits - length)) - 1);
}

Network network_of(const Address& address, int length) noexcept {
  Network n;
  n.length = uint8_t(length);
  n.address = address_from_value(address.family,
                                 address_value(address) & prefix_mask(address.family, length));
  return n;
}

bool contains(const Network& outer, const Network& inner) noexcept {
  if (outer.address.family != inner.address.family || inner.length < outer.length) return false;
  const Bits128 mask = prefix_mask(outer.address.family, outer.length);
  return (address_value(inner.address) & mask) == address_value(outer.address);
}

}  // namespace cdn::dns
