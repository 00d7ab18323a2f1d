// tests/fuzz/zone_import_fuzz.cc: any text as a zone file. Parsing either reports errors or
// yields a zone that compiles and answers.
#include <cstdlib>
#include <string_view>

#include "dns/server/snapshot.h"
#include "dns/zone/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto z = cdn::dns::parse_zone_text(text, "example.com", "fuzz");
  if (z.ok()) {
    auto compiled = cdn::dns::CompiledZone::compile(z.zone);
    if (!compiled) std::abort();  // a validated zone must compile
    for (const auto& r : z.zone.records) (void)cdn::dns::record_to_text(r);
  }
  return 0;
}
