#include "common/availability.h"

namespace cdn {

std::string_view availability_text(Availability a) {
  switch (a) {
    case Availability::Up:
      return "up";
    case Availability::Down:
      return "down";
    case Availability::Drain:
      return "drain";
  }
  return "?";
}

std::optional<Availability> parse_availability(std::string_view text) {
  for (auto a : {Availability::Up, Availability::Down, Availability::Drain}) {
    if (text == availability_text(a)) return a;
  }
  return std::nullopt;
}

}  // namespace cdn
