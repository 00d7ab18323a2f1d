// dns/steer/prefix_table.cc: merging ranked prefixes and the sorted lookup table.
#include "dns/steer/prefix_table.h"

#include <algorithm>

namespace cdn::dns {
namespace {

struct Block {
  net::Bits128 start;
  int length;
  uint32_t ranking;
};

net::Bits128 last_address(net::Family family) {
  return net::prefix_mask(family, net::address_bits(family));
}

// The number of addresses in a block of `length` minus one (fits for length 0 of IPv6 too).
net::Bits128 span_of(net::Family family, int length) {
  return last_address(family) & ~net::prefix_mask(family, length);
}

int trailing_zeros(net::Bits128 v, int bits) {
  if (v == 0) return bits;
  const uint64_t low = uint64_t(v);
  if (low != 0) return __builtin_ctzll(low);
  return 64 + __builtin_ctzll(uint64_t(v >> 64));
}

// Pushes a block, then merges the top two while they are siblings with the same ranking.
void push_merging(net::Family family, std::vector<Block>& stack, Block block) {
  const int bits = net::address_bits(family);
  stack.push_back(block);
  while (stack.size() >= 2) {
    Block& left = stack[stack.size() - 2];
    const Block& right = stack.back();
    if (left.length != right.length || left.length == 0 || left.ranking != right.ranking) break;
    const net::Bits128 size_bit = net::Bits128(1) << (bits - left.length);
    if ((left.start & size_bit) != 0 || right.start != (left.start | size_bit)) break;
    left.length -= 1;
    stack.pop_back();
  }
}

// Covers [low, high] with the fewest aligned blocks, left to right.
void fill_range(net::Family family, std::vector<Block>& stack, net::Bits128 low, net::Bits128 high,
                uint32_t ranking) {
  const int bits = net::address_bits(family);
  for (;;) {
    int k = trailing_zeros(low, bits);  // the largest aligned block starting at `low` is 2^k
    while (k > 0 && (high - low) < span_of(family, bits - k)) --k;
    push_merging(family, stack, {low, bits - k, ranking});
    const net::Bits128 end = low + span_of(family, bits - k);
    if (end >= high) return;
    low = end + 1;
  }
}

}  // namespace

Result<std::vector<RankedPrefix>> merge_prefixes(net::Family family,
                                                 std::vector<RankedPrefix> prefixes,
                                                 uint32_t fill) {
  for (const auto& p : prefixes)
    if (p.network.address.family != family)
      return Error(p.network.text(), "prefix of the other address family");
  std::sort(prefixes.begin(), prefixes.end(),
            [](const RankedPrefix& a, const RankedPrefix& b) { return a.network < b.network; });
  std::vector<Block> stack;
  stack.reserve(prefixes.size() + 64);
  net::Bits128 next = 0;  // the first address not covered yet
  bool done = false;      // the last address is covered
  for (const auto& p : prefixes) {
    const net::Bits128 start = net::address_value(p.network.address);
    if (done || start < next) return Error(p.network.text(), "overlaps another prefix");
    if (start > next) fill_range(family, stack, next, start - 1, fill);
    push_merging(family, stack, {start, p.network.length, p.ranking});
    const net::Bits128 end = start + span_of(family, p.network.length);
    if (end == last_address(family))
      done = true;
    else
      next = end + 1;
  }
  if (!done) fill_range(family, stack, next, last_address(family), fill);
  std::vector<RankedPrefix> out;
  out.reserve(stack.size());
  for (const auto& b : stack) {
    RankedPrefix r;
    r.network.address = net::address_from_value(family, b.start);
    r.network.length = uint8_t(b.length);
    r.ranking = b.ranking;
    out.push_back(r);
  }
  return out;
}

Result<PrefixTable> PrefixTable::build(net::Family family, std::vector<RankedPrefix> prefixes,
                                       uint32_t fill) {
  auto merged = merge_prefixes(family, std::move(prefixes), fill);
  if (!merged) return merged.error();
  PrefixTable t;
  t.family_ = family;
  const size_t n = merged->size();
  t.rankings_.reserve(n);
  t.lengths_.reserve(n);
  if (family == net::Family::V4)
    t.starts_v4_.reserve(n);
  else
    t.starts_v6_.reserve(n);
  for (const auto& p : *merged) {
    const net::Bits128 start = net::address_value(p.network.address);
    if (family == net::Family::V4)
      t.starts_v4_.push_back(uint32_t(start));
    else
      t.starts_v6_.push_back(start);
    t.rankings_.push_back(p.ranking);
    t.lengths_.push_back(p.network.length);
  }
  return t;
}

PrefixTable::Match PrefixTable::lookup(const net::Address& address) const noexcept {
  if (rankings_.empty() || address.family != family_) return {};
  size_t i;
  if (family_ == net::Family::V4) {
    const uint32_t key = uint32_t(net::address_value(address));
    i = size_t(std::upper_bound(starts_v4_.begin(), starts_v4_.end(), key) - starts_v4_.begin());
  } else {
    const net::Bits128 key = net::address_value(address);
    i = size_t(std::upper_bound(starts_v6_.begin(), starts_v6_.end(), key) - starts_v6_.begin());
  }
  // The first entry starts at address 0, so i >= 1.
  return {rankings_[i - 1], lengths_[i - 1]};
}

RankedPrefix PrefixTable::entry(size_t i) const {
  RankedPrefix r;
  r.network.address = net::address_from_value(
      family_, family_ == net::Family::V4 ? net::Bits128(starts_v4_[i]) : starts_v6_[i]);
  r.network.length = lengths_[i];
  r.ranking = rankings_[i];
  return r;
}

size_t PrefixTable::memory_bytes() const {
  return starts_v4_.capacity() * sizeof(uint32_t) + starts_v6_.capacity() * sizeof(net::Bits128) +
         rankings_.capacity() * sizeof(uint32_t) + lengths_.capacity();
}

}  // namespace cdn::dns
