// dns/steer/prefix_table.h: client network -> ranking, for one address family. DOC:
// The rank compiler gives a ranking id to every MaxMind network. merge_prefixes() sorts those
// prefixes, fills the gaps between them with a `fill` ranking (the unknown-location order), and
// merges sibling prefixes with the same ranking into their parent, repeatedly (a stack pass, as
// CIDR aggregation does), so each entry is the shortest prefix over which the answer does not
// change. Its length is the ECS scope of an answer (RFC 7871 7.2.1). The table keeps the entries'
// first addresses in one sorted array: lookup is a binary search, O(log n), and never allocates.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/net/prefix.h"
#include "common/result.h"

namespace cdn::dns {

struct RankedPrefix {
  net::Prefix network;
  uint32_t ranking = 0;

  friend bool operator==(const RankedPrefix&, const RankedPrefix&) = default;
};

// `prefixes` must all be of `family` and must not overlap (MaxMind networks never do). The result
// is sorted, disjoint, covers the whole family's address space and has no two siblings with the
// same ranking.
Result<std::vector<RankedPrefix>> merge_prefixes(net::Family family,
                                                 std::vector<RankedPrefix> prefixes, uint32_t fill);

class PrefixTable {
 public:
  struct Match {
    uint32_t ranking = 0;
    uint8_t prefix_length = 0;  // of the entry holding the address
  };

  PrefixTable() = default;  // empty: every lookup gives {0, 0}
  static Result<PrefixTable> build(net::Family family, std::vector<RankedPrefix> prefixes,
                                   uint32_t fill);

  // `address` must be of the table's family.
  Match lookup(const net::Address& address) const noexcept;
  net::Family family() const { return family_; }
  size_t size() const { return rankings_.size(); }
  RankedPrefix entry(size_t i) const;  // for dumps and tests
  size_t memory_bytes() const;

 private:
  net::Family family_ = net::Family::V4;
  std::vector<uint32_t> starts_v4_;  // first address of each entry, ascending
  std::vector<net::Bits128> starts_v6_;
  std::vector<uint32_t> rankings_;
  std::vector<uint8_t> lengths_;
};

}  // namespace cdn::dns
