// common/availability.h: the state of an edge as everybody spells it: cdn-healthd pushes it,
// an operator overrides it (cdnctl edge set-state), cdn-dnsd's steering reads it. One enum and
// one parser for all of them.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace cdn {

enum class Availability : uint8_t { Up, Down, Drain };

std::string_view availability_text(Availability a);  // "up", "down", "drain"
// "up", "down" or "drain" (exactly, lower case); nullopt for anything else.
std::optional<Availability> parse_availability(std::string_view text);

}  // namespace cdn
