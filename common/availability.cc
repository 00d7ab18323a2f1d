#include "common/availability.h"

#include "common/enum_text.h"

namespace cdn {

constexpr std::array<std::string_view, 3> kAvailabilityWords = {"up", "down", "drain"};

std::string_view availability_text(Availability a) {
  return enum_text<Availability::Drain>(a, kAvailabilityWords);
}

std::optional<Availability> parse_availability(std::string_view text) {
  for (auto a : {Availability::Up, Availability::Down, Availability::Drain}) {
    if (text == availability_text(a)) return a;
  }
  return std::nullopt;
}

}  // namespace cdn
