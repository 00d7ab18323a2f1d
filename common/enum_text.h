// common/enum_text.h: the words of an enum from one table in declaration order, so that each
// enum has one list of its words and one function; the table's size is checked at compile time
// against the enum's last value, as a switch would be by -Wswitch.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>

namespace cdn {

// The word of `value` in `words`; "?" for a value outside the enum (a corrupt byte).
template <auto Last, size_t N>
constexpr std::string_view enum_text(decltype(Last) value,
                                     const std::array<std::string_view, N>& words) {
  static_assert(N == static_cast<size_t>(Last) + 1, "one word for each value of the enum");
  auto i = static_cast<size_t>(value);
  return i < N ? words[i] : std::string_view("?");
}

}  // namespace cdn
