// tests/fuzz/health_config_fuzz.cc: stored health objects and route sets from any bytes.
// The input is records "KIND\tNAME\tBODY" separated by newlines, read as health objects
// (what cdnctl stored, or a database edited by hand): building the config must never crash,
// and a config that builds stores and builds again to the same thing. The whole input is also
// a route set as healthd sends it to the bridge: decoded routes pass check_route.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/route.h"
#include "common/store/health_config.h"

namespace {

const std::map<std::string, std::string> kSettings{{"bgp.local_as", "64510"}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<cdn::store::HealthObject> objects;
  std::istringstream lines(input);
  std::string line;
  while (std::getline(lines, line)) {
    auto a = line.find('\t');
    auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    objects.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  auto built = cdn::store::build_health_config(objects, kSettings, 1);
  if (built.errors.empty()) {
    std::vector<cdn::store::HealthObject> again;
    for (const auto& c : built.config.checks) again.push_back(cdn::store::to_object(c));
    for (const auto& s : built.config.services) again.push_back(cdn::store::to_object(s));
    for (const auto& p : built.config.prefixes) again.push_back(cdn::store::to_object(p));
    for (const auto& n : built.config.neighbors) again.push_back(cdn::store::to_object(n));
    for (const auto& d : built.config.drains) again.push_back(cdn::store::to_object(d));
    auto rebuilt = cdn::store::build_health_config(again, kSettings, 1);
    if (!rebuilt.errors.empty()) std::abort();
    if (rebuilt.config.prefixes.size() != built.config.prefixes.size()) std::abort();
  }

  auto json = nlohmann::json::parse(input, nullptr, false);
  if (!json.is_discarded()) {
    auto set = cdn::routing::route_set_from_json(json);
    if (set) {
      for (const auto& [prefix, route] : set->routes) {
        if (!cdn::routing::check_route(route)) std::abort();
      }
      auto back = cdn::routing::route_set_from_json(cdn::routing::to_json(*set));
      if (!back || *back != *set) std::abort();
    }
  }
  return 0;
}
