// dns/zone/validate.cc: zone rules over plain ZoneData, without ldns, so zones from the config
// database are checked by the same code as zone files. Names compare case-insensitively
// (RFC 4343); records are grouped by lowercased owner and each rule looks at one group.
//
// Not checked on purpose: TTLs that differ inside one RRset. RFC 2181 5.2 deprecates it but a
// server must cope; the compiler serves the first TTL of each RRset, so it needs no error here.
#include "dns/zone/validate.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "dns/wire/wire.h"
#include "dns/zone/loader.h"

namespace cdn::dns {
namespace {

constexpr uint16_t kTypeNs = 2;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeSoa = 6;
constexpr uint16_t kTypeDname = 39;
constexpr uint16_t kTypeRrsig = 46;
constexpr uint16_t kTypeNsec = 47;
constexpr size_t kWholeZone = std::numeric_limits<size_t>::max();  // sorts after every record

// ASCII letters lowered. Label length bytes are at most 63, below 'A', so they stay as they are.
WireName lowered(const WireName& name) {
  WireName out(name);
  for (uint8_t& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c - 'A' + 'a');
  }
  return out;
}

// Both names lowercased: true when `name` is `parent` or a name below it.
bool at_or_below(const WireName& name, const WireName& parent) {
  return !name.empty() && !parent.empty() &&
         name_is_below_or_equal(name.data(), name.size(), parent.data(), parent.size());
}

WireName parent_of(const WireName& name) {
  if (name.empty() || name[0] == 0) return name;
  size_t skip = std::min(name.size(), size_t{1} + name[0]);
  return WireName(name.begin() + static_cast<long>(skip), name.end());
}

std::string type_name(uint16_t type) {
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 13:
      return "HINFO";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 29:
      return "LOC";
    case 33:
      return "SRV";
    case 35:
      return "NAPTR";
    case 39:
      return "DNAME";
    case 43:
      return "DS";
    case 44:
      return "SSHFP";
    case 46:
      return "RRSIG";
    case 47:
      return "NSEC";
    case 48:
      return "DNSKEY";
    case 50:
      return "NSEC3";
    case 51:
      return "NSEC3PARAM";
    case 52:
      return "TLSA";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 99:
      return "SPF";
    case 257:
      return "CAA";
    default:
      return "TYPE" + std::to_string(type);
  }
}

std::string class_name(uint16_t rclass) {
  switch (rclass) {
    case 1:
      return "IN";
    case 3:
      return "CH";
    case 4:
      return "HS";
    default:
      return "CLASS" + std::to_string(rclass);
  }
}

struct Finding {
  size_t index;  // record the error is about, kWholeZone for the zone as a whole
  Error error;
};

// Records grouped by lowercased owner, the groups in the order of their names and each group's
// records in source order. The names sit in one arena and a group is a run of one sorted array:
// a million-record zone costs tens of MB here, where a map of vectors took hundreds.
class OwnerGroups {
 public:
  // Room for `records` owners of `bytes` bytes in all, so that adding never reallocates.
  void reserve(size_t records, size_t bytes) {
    entries_.reserve(records);
    arena_.reserve(bytes);
  }

  void add(size_t record, const WireName& lowered_owner) {
    entries_.push_back({static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(record),
                        static_cast<uint16_t>(lowered_owner.size())});
    arena_.insert(arena_.end(), lowered_owner.begin(), lowered_owner.end());
  }

  // Sorts the records once every one is added.
  void seal() {
    std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
      int order = compare(a, b);
      return order != 0 ? order < 0 : a.record < b.record;
    });
  }

  // visit(name, records) for each group, in name order.
  template <class Visit>
  void for_each(Visit visit) const {
    WireName group;
    std::vector<size_t> records;
    for (size_t k = 0; k < entries_.size();) {
      const Entry& first = entries_[k];
      group.assign(arena_.data() + first.offset, arena_.data() + first.offset + first.length);
      records.clear();
      for (; k < entries_.size() && compare(entries_[k], first) == 0; ++k) {
        records.push_back(entries_[k].record);
      }
      visit(group, records);
    }
  }

 private:
  struct Entry {
    uint32_t offset;  // into arena_ (a zone's owners take far less than 4 GB)
    uint32_t record;
    uint16_t length;  // a wire name has at most 255 bytes
  };

  // The byte order of the names, as std::map<WireName, ...> sorted them.
  int compare(const Entry& a, const Entry& b) const {
    int order = std::memcmp(arena_.data() + a.offset, arena_.data() + b.offset,
                            std::min(a.length, b.length));
    return order != 0 ? order : int(a.length) - int(b.length);
  }

  std::vector<uint8_t> arena_;
  std::vector<Entry> entries_;
};

}  // namespace

std::vector<Error> validate_zone(const ZoneData& zone) {
  return validate_zone(zone, [&zone](size_t index) {
    uint32_t line = zone.records[index].line;
    return line == 0 ? zone.source : zone.source + ":" + std::to_string(line);
  });
}

std::vector<Error> validate_zone(const ZoneData& zone,
                                 const std::function<std::string(size_t index)>& place) {
  const std::vector<RecordData>& records = zone.records;
  std::vector<Finding> findings;
  auto report = [&](size_t index, std::string what) {
    findings.push_back({index, Error(place(index), std::move(what))});
  };
  const WireName apex = lowered(zone.origin);
  const std::string apex_text = name_to_text(zone.origin);

  // Records of class IN inside the zone, by lowercased owner; the others fail on their own.
  OwnerGroups names;
  size_t owner_bytes = 0;
  for (const RecordData& record : records) owner_bytes += record.owner.size();
  if (owner_bytes > std::numeric_limits<uint32_t>::max()) {
    return {Error(zone.source, "zone too large: its owner names take more than 4 GB")};
  }
  names.reserve(records.size(), owner_bytes);
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordData& record = records[i];
    if (record.rclass != kClassIn) {
      report(i, "class " + class_name(record.rclass) + " at " + name_to_text(record.owner) +
                    ": zones here are class IN only");
      continue;
    }
    WireName owner = lowered(record.owner);
    if (!at_or_below(owner, apex)) {
      report(i, name_to_text(record.owner) + " is outside the zone " + apex_text);
      continue;
    }
    names.add(i, owner);
  }
  names.seal();

  // Exactly one SOA, at the apex (RFC 1035 5.2), and NS records beside it.
  std::optional<size_t> first_soa;
  bool apex_has_ns = false;
  names.for_each([&](const WireName& name, const std::vector<size_t>& indexes) {
    for (size_t i : indexes) {
      if (records[i].type == kTypeNs && name == apex) apex_has_ns = true;
      if (records[i].type != kTypeSoa) continue;
      if (name != apex) {
        report(i, "SOA at " + name_to_text(records[i].owner) + " is not at the apex " + apex_text);
      } else if (!first_soa) {
        first_soa = i;
      } else {
        report(i, "more than one SOA at " + apex_text + " (the first is at " + place(*first_soa) +
                      ")");
      }
    }
  });
  if (!first_soa) {
    findings.push_back({kWholeZone, Error(zone.source, "no SOA record at the apex " + apex_text)});
  }
  if (!apex_has_ns) {
    std::string where = first_soa ? place(*first_soa) : zone.source;
    findings.push_back({kWholeZone, Error(where, "no NS records at the apex " + apex_text)});
  }

  // CNAME and DNAME: one per name, a CNAME alone (RFC 1034 3.6.2), no CNAME beside a DNAME.
  std::map<WireName, size_t> dname_owners;  // owner -> its first record
  names.for_each([&](const WireName& name, const std::vector<size_t>& indexes) {
    std::vector<size_t> cnames;
    std::vector<size_t> dnames;
    for (size_t i : indexes) {
      if (records[i].type == kTypeCname) cnames.push_back(i);
      if (records[i].type == kTypeDname) dnames.push_back(i);
    }
    // Messages spell the owner as the reported record writes it.
    auto owner_text = [&records](size_t i) { return name_to_text(records[i].owner); };
    if (!dnames.empty()) {
      dname_owners.emplace(name, indexes.front());
      for (size_t k = 1; k < dnames.size(); ++k) {
        report(dnames[k], "more than one DNAME at " + owner_text(dnames[k]) + " (the first is at " +
                              place(dnames[0]) + ")");
      }
    }
    if (cnames.empty()) return;
    if (name == apex) {
      // The apex always holds SOA and NS, so this one message covers "CNAME and other data".
      for (size_t i : cnames) report(i, "CNAME at the apex " + apex_text + " (RFC 1034 3.6.2)");
      return;
    }
    for (size_t k = 1; k < cnames.size(); ++k) {
      report(cnames[k], "more than one CNAME at " + owner_text(cnames[k]) + " (the first is at " +
                            place(cnames[0]) + ")");
    }
    const size_t cname = cnames[0];
    std::set<uint16_t> reported_types;
    for (size_t i : indexes) {
      uint16_t type = records[i].type;
      // RFC 4035 2.5: DNSSEC keeps RRSIG and NSEC beside a CNAME.
      if (type == kTypeCname || type == kTypeRrsig || type == kTypeNsec) continue;
      if (!reported_types.insert(type).second) continue;  // once per RRset
      size_t later = std::max(i, cname);
      size_t other = later == i ? cname : i;
      std::string what = type == kTypeDname
                             ? "CNAME and DNAME at " + owner_text(later) + " (RFC 6672 2.4)"
                             : "CNAME and other data (" + type_name(type) + ") at " +
                                   owner_text(later) + " (RFC 1034 3.6.2)";
      report(later, what + "; the " + type_name(records[other].type) + " is at " + place(other));
    }
  });

  // RFC 6672 2.4: no records below the owner of a DNAME; its whole subtree is redirected.
  if (!dname_owners.empty()) {
    const size_t apex_labels = label_count(apex.data());
    names.for_each([&](const WireName& name, const std::vector<size_t>& indexes) {
      WireName ancestor = name;
      while (label_count(ancestor.data()) > apex_labels) {
        ancestor = parent_of(ancestor);
        auto dname = dname_owners.find(ancestor);
        if (dname == dname_owners.end()) continue;
        const size_t dname_record = dname->second;
        std::string dname_text = name_to_text(records[dname_record].owner);
        for (size_t i : indexes) {
          report(i, name_to_text(records[i].owner) + " is below the DNAME at " + dname_text +
                        " (RFC 6672 2.4)");
        }
        break;
      }
    });
  }

  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.index < b.index; });
  std::vector<Error> errors;
  errors.reserve(findings.size());
  for (Finding& finding : findings) errors.push_back(std::move(finding.error));
  return errors;
}

Error joined_errors(const std::vector<Error>& errors) {
  std::string text;
  for (const auto& e : errors) {
    if (!text.empty()) text += "\n";
    text += e.text();
  }
  return Error(text);
}

}  // namespace cdn::dns
