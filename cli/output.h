// cli/output.h: how cdnctl prints: aligned tables for people, JSON (--json) for programs,
// and "cdnctl: ..." messages on stderr.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cdn::cli {

using Json = nlohmann::json;

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print() const;  // to stdout; the last column is not padded

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

void print_json(const Json& value);  // pretty, to stdout
// Prints "cdnctl: <message>" to stderr and returns `exit_code`.
int fail(int exit_code, const std::string& message);
// "2024-05-01T12:00:00Z"
std::string format_time(int64_t unix_seconds);
// "3d04h", "1h02m", "42s"
std::string format_duration(int64_t seconds);

}  // namespace cdn::cli
