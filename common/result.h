// common/result.h: expected failures as values that name the place ("file:line: reason").
// Result<T> is the subset of std::expected we use, so moving to C++23 is a rename.
#pragma once
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace cdn {

struct Error {
  std::string where;  // "zones/example.com.zone:42", "--listen", "" when there is no place
  std::string what;   // "CNAME and other data at www.example.com."

  Error() = default;
  Error(std::string w, std::string reason) : where(std::move(w)), what(std::move(reason)) {}
  explicit Error(std::string reason) : what(std::move(reason)) {}
  std::string text() const { return where.empty() ? what : where + ": " + what; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
struct Ok {};
using Status = Result<Ok>;

}  // namespace cdn
