// dns/zone/master_text.cc: entries, tokens and numbers of master-file text (master_text.h).
#include "dns/zone/master_text.h"

#include <algorithm>
#include <cctype>

namespace cdn::dns {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// TTL units as BIND writes them.
constexpr std::string_view kTtlUnits = "smhdw";
constexpr uint64_t kTtlUnitSeconds[] = {1, 60, 3600, 86400, 604800};

}  // namespace

bool Tokenizer::next(Entry& entry) {
  while (pos_ < text_.size()) {
    read_entry(entry);
    if (!entry.tokens.empty() || !entry.error.empty()) return true;
  }
  return false;
}

void Tokenizer::fail(Entry& entry, uint32_t line, std::string what) {
  if (!entry.error.empty()) return;  // the first problem of an entry is the one to fix
  entry.error_line = line;
  entry.error = std::move(what);
}

void Tokenizer::read_entry(Entry& entry) {
  entry = Entry{};
  entry.line = line_;
  entry.owner_blank = is_blank(text_[pos_]);
  int depth = 0;
  uint32_t open_line = 0;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\n') {
      ++line_;
      ++pos_;
      if (depth == 0) return;
      continue;
    }
    if (is_blank(c)) {
      ++pos_;
    } else if (c == ';') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else if (c == '(') {
      if (depth++ == 0) open_line = line_;
      ++pos_;
    } else if (c == ')') {
      if (depth == 0) {
        fail(entry, line_, "')' without '('");
      } else {
        --depth;
      }
      ++pos_;
    } else if (c == '"') {
      read_quoted(entry);
    } else {
      size_t start = pos_;
      while (pos_ < text_.size()) {
        char d = text_[pos_];
        if (d == '\\') {
          // An escaped character never ends a token; a newline cannot be escaped.
          pos_ += (pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') ? 2 : 1;
          continue;
        }
        if (is_blank(d) || d == '\n' || d == ';' || d == '(' || d == ')' || d == '"') break;
        ++pos_;
      }
      entry.tokens.push_back({text_.substr(start, pos_ - start), false});
    }
  }
  if (depth > 0) {
    fail(entry, open_line, "'(' is never closed");
  }
}

void Tokenizer::read_quoted(Entry& entry) {
  size_t start = pos_++;
  while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') {
    pos_ += (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') ? 2 : 1;
  }
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    // A quoted string does not run over a line break (BIND reads it the same way), so the
    // next line is parsed as usual.
    fail(entry, line_, "quoted string without its closing '\"'");
    entry.tokens.push_back({text_.substr(start, pos_ - start), true});
    return;
  }
  ++pos_;
  entry.tokens.push_back({text_.substr(start, pos_ - start), true});
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max) {
  if (!all_digits(text) || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > max) return std::nullopt;
  }
  return value;
}

namespace {

std::optional<uint64_t> parse_ttl_value(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (all_digits(text)) return parse_decimal(text, UINT64_C(0xffffffffff));
  uint64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) ++pos;
    if (pos == start || pos == text.size()) return std::nullopt;
    auto number = parse_decimal(text.substr(start, pos - start), UINT64_C(0xffffffff));
    if (!number) return std::nullopt;
    size_t unit =
        kTtlUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos]))));
    if (unit == std::string_view::npos) return std::nullopt;
    ++pos;
    total += *number * kTtlUnitSeconds[unit];
    if (total > UINT64_C(0xffffffffff)) return std::nullopt;
  }
  return total;
}

}  // namespace

std::variant<uint32_t, std::string> parse_ttl(std::string_view text) {
  auto value = parse_ttl_value(text);
  if (!value) return "bad TTL '" + std::string(text) + "'";
  if (*value > kMaxTtl) {
    return "TTL '" + std::string(text) + "' is above " + std::to_string(kMaxTtl) + " (RFC 2181 8)";
  }
  return static_cast<uint32_t>(*value);
}

size_t unescaped_length(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  size_t length = 0;
  for (size_t i = 0; i < text.size(); ++length) {
    if (text[i] == '\\' && i + 3 < text.size() && all_digits(text.substr(i + 1, 3))) {
      i += 4;
    } else if (text[i] == '\\' && i + 1 < text.size()) {
      i += 2;
    } else {
      ++i;
    }
  }
  return length;
}

std::string join_tokens(std::span<const Token> tokens) {
  std::string out;
  for (const Token& token : tokens) {
    if (!out.empty()) out += ' ';
    out += token.text;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace cdn::dns
