// tests/support/zone_lookup.h: one lookup (dns/zone/lookup.h) of a name given as text, for the
// zone tests: lower-cases it and works out its labels and suffix hashes as the query path does.
#pragma once
#include <cstdint>
#include <string>

#include "dns/wire/wire.h"
#include "dns/zone/lookup.h"
#include "tests/support/dns_message.h"

namespace cdn::test {

inline dns::LookupResult lookup_text(const dns::CompiledZone& zone, const std::string& name,
                                     uint16_t qtype) {
  auto wire = wire_name(name);
  for (auto& c : wire) c = dns::ascii_lower(c);
  uint8_t labels[dns::kMaxLabels];
  uint32_t hashes[dns::kMaxLabels + 1];
  size_t n = 0;
  for (size_t i = 0; wire[i] != 0; i += wire[i] + 1) labels[n++] = uint8_t(i);
  dns::suffix_hashes(wire.data(), labels, n, hashes);
  dns::NameView view{wire.data(), wire.size(), labels, n, hashes};
  return dns::lookup(zone, view, qtype);
}

}  // namespace cdn::test
