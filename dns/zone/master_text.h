// dns/zone/master_text.h: the parts of RFC 1035 master-file text that know nothing of record
// types: cutting text into entries and tokens, numbers, TTLs and character strings. The loader
// (loader.cc) and the rdata readers (rdata.h) share them; not part of the zone library's interface.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cdn::dns {

constexpr uint32_t kMaxTtl = 2147483647;  // RFC 2181 8

struct Token {
  std::string_view text;  // as written: quotes and backslash escapes included
  bool quoted = false;
};

// One logical line: parentheses joined, comments dropped, quoted strings kept whole.
struct Entry {
  uint32_t line = 0;         // where the entry starts
  bool owner_blank = false;  // began with a blank: the owner is the previous one
  std::vector<Token> tokens;
  uint32_t error_line = 0;  // set with `error` when the entry cannot be used
  std::string error;
};

// Cuts master-file text into entries, remembering the line each one starts on. The tokens point
// into the text, which must outlive them.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  // The next entry that has tokens or an error; false at the end of the text.
  bool next(Entry& entry);

 private:
  void fail(Entry& entry, uint32_t line, std::string what);
  void read_entry(Entry& entry);
  void read_quoted(Entry& entry);

  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

std::string upper(std::string_view text);
bool all_digits(std::string_view text);
// A decimal number no greater than `max`; nullopt for anything else (signs, spaces, overflow).
std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max);
// "3600", or with units as BIND writes them ("1h30m", "2d", "1w"); a TTL or the reason it is not.
std::variant<uint32_t, std::string> parse_ttl(std::string_view text);
// Length of a character-string once its quotes and escapes are gone.
size_t unescaped_length(std::string_view text);
// The tokens as written, one space between them.
std::string join_tokens(std::span<const Token> tokens);
// 0-15 for a hex digit, -1 for anything else.
int hex_value(char c);

}  // namespace cdn::dns
