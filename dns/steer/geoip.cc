// dns/steer/geoip.cc: the only file that knows libmaxminddb (see geoip.h for the walk rules).
#include "dns/steer/geoip.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace cdn::dns {

struct GeoDb::Impl {
  MMDB_s mmdb{};
  std::filesystem::path path;
  ~Impl() { MMDB_close(&mmdb); }
};

namespace {

std::string open_error(int status) {
  const int saved = errno;
  if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && saved != 0)
    return std::string(MMDB_strerror(status)) + ": " + strerror(saved);
  return MMDB_strerror(status);
}

std::string string_at(MMDB_entry_s entry, const char* a, const char* b) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&entry, &data, a, b, nullptr) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING)
    return {};
  return std::string(data.utf8_string, data.data_size);
}

bool double_at(MMDB_entry_s entry, const char* a, const char* b, double& out) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&entry, &data, a, b, nullptr) != MMDB_SUCCESS || !data.has_data) return false;
  if (data.type == MMDB_DATA_TYPE_DOUBLE) {
    out = data.double_value;
    return true;
  }
  if (data.type == MMDB_DATA_TYPE_FLOAT) {
    out = data.float_value;
    return true;
  }
  return false;
}

Location decode(MMDB_entry_s entry) {
  Location loc;
  double lat = 0, lon = 0;
  if (double_at(entry, "location", "latitude", lat) &&
      double_at(entry, "location", "longitude", lon)) {
    loc.has_coordinates = true;
    loc.latitude = lat;
    loc.longitude = lon;
  }
  loc.country = string_at(entry, "country", "iso_code");
  loc.continent = string_at(entry, "continent", "code");
  return loc;
}

net::Prefix make_network(net::Family family, net::Bits128 value, int length) {
  net::Prefix n;
  n.address = net::address_from_value(family, value);
  n.length = uint8_t(length);
  return n;
}

// Walks the search tree, calling visit(network, entry) for every data record.
class TreeWalk {
 public:
  using Visit = std::function<void(const net::Prefix&, MMDB_entry_s)>;
  TreeWalk(const MMDB_s& mmdb, const std::string& where, Visit visit)
      : mmdb_(mmdb), where_(where), visit_(std::move(visit)) {}

  Status run() {
    if (mmdb_.metadata.ip_version == 4) return walk(0, 0, 0, net::Family::V4);
    // Find the IPv4 subtree: 96 left turns from the root.
    uint32_t node = 0;
    for (int depth = 0; depth < 96; ++depth) {
      MMDB_search_node_s s{};
      if (MMDB_read_node(&mmdb_, node, &s) != MMDB_SUCCESS) return corrupt(node);
      if (s.left_record_type == MMDB_RECORD_TYPE_SEARCH_NODE) {
        node = uint32_t(s.left_record);
        continue;
      }
      // Data above ::/96 covers all of IPv4 (data at ::/96 itself is reported by walk()).
      if (s.left_record_type == MMDB_RECORD_TYPE_DATA && depth + 1 < 96)
        visit_(make_network(net::Family::V4, 0, 0), s.left_record_entry);
      node = kNoIpv4;
      break;
    }
    ipv4_node_ = node;
    return walk(0, 0, 0, net::Family::V6);
  }

 private:
  static constexpr uint32_t kNoIpv4 = UINT32_MAX;

  Status corrupt(uint32_t node) {
    return Error(where_, "corrupt search tree at node " + std::to_string(node));
  }

  Status walk(uint32_t node, int depth, net::Bits128 value, net::Family family) {
    const int bits = net::address_bits(family);
    MMDB_search_node_s s{};
    if (MMDB_read_node(&mmdb_, node, &s) != MMDB_SUCCESS) return corrupt(node);
    for (int bit = 0; bit < 2; ++bit) {
      const int child_depth = depth + 1;
      const net::Bits128 child_value =
          bit ? value | net::Bits128(1) << (bits - child_depth) : value;
      const uint8_t type = bit ? s.right_record_type : s.left_record_type;
      const uint64_t record = bit ? s.right_record : s.left_record;
      const MMDB_entry_s entry = bit ? s.right_record_entry : s.left_record_entry;
      if (type == MMDB_RECORD_TYPE_EMPTY) continue;
      if (type == MMDB_RECORD_TYPE_INVALID) return corrupt(node);
      const bool at_ipv4_root = family == net::Family::V6 && child_depth == 96 && child_value == 0;
      if (type == MMDB_RECORD_TYPE_DATA) {
        visit_(at_ipv4_root ? make_network(net::Family::V4, 0, 0)
                            : make_network(family, child_value, child_depth),
               entry);
        continue;
      }
      // A search node.
      if (family == net::Family::V6 && record == ipv4_node_) {
        if (!at_ipv4_root) continue;  // an alias of the IPv4 subtree
        if (auto ok = walk(uint32_t(record), 0, 0, net::Family::V4); !ok) return ok;
        continue;
      }
      if (child_depth >= bits) return corrupt(node);
      if (auto ok = walk(uint32_t(record), child_depth, child_value, family); !ok) return ok;
    }
    return Ok{};
  }

  const MMDB_s& mmdb_;
  const std::string& where_;
  Visit visit_;
  uint32_t ipv4_node_ = kNoIpv4;
};

}  // namespace

GeoDb::GeoDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GeoDb::GeoDb(GeoDb&&) noexcept = default;
GeoDb& GeoDb::operator=(GeoDb&&) noexcept = default;
GeoDb::~GeoDb() = default;

Result<GeoDb> GeoDb::open(const std::filesystem::path& file) {
  auto impl = std::make_unique<Impl>();
  errno = 0;
  int status = MMDB_open(file.c_str(), MMDB_MODE_MMAP, &impl->mmdb);
  if (status != MMDB_SUCCESS) {
    impl->mmdb = MMDB_s{};  // nothing to close
    return Error(file.string(), open_error(status));
  }
  impl->path = file;
  if (impl->mmdb.metadata.ip_version != 4 && impl->mmdb.metadata.ip_version != 6)
    return Error(file.string(),
                 "unsupported ip_version " + std::to_string(impl->mmdb.metadata.ip_version));
  return GeoDb(std::move(impl));
}

const std::filesystem::path& GeoDb::path() const { return impl_->path; }
int GeoDb::ip_version() const { return impl_->mmdb.metadata.ip_version; }
std::string GeoDb::database_type() const {
  const char* t = impl_->mmdb.metadata.database_type;
  return t ? t : "";
}
uint64_t GeoDb::build_epoch() const { return impl_->mmdb.metadata.build_epoch; }

Result<GeoLookup> GeoDb::lookup(std::string_view address) const {
  auto parsed = net::parse_address(address);
  if (!parsed) return parsed.error();
  return lookup(*parsed);
}

Result<GeoLookup> GeoDb::lookup(const net::Address& address) const {
  sockaddr_storage ss{};
  if (address.family == net::Family::V4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, address.bytes.data(), 4);
  } else {
    if (ip_version() == 4)
      return Error(impl_->path.string(), "an IPv4 database has no IPv6 networks");
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, address.bytes.data(), 16);
  }
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s r =
      MMDB_lookup_sockaddr(&impl_->mmdb, reinterpret_cast<const sockaddr*>(&ss), &error);
  if (error != MMDB_SUCCESS)
    return Error(impl_->path.string(), "lookup " + address.text() + ": " + MMDB_strerror(error));
  GeoLookup out;
  int length = r.netmask;
  // In an IPv6 database the netmask of an IPv4 address counts the 96 bits of ::/96.
  if (address.family == net::Family::V4 && ip_version() == 6) length = std::max(0, length - 96);
  out.network = net::prefix_of(address, std::min(length, net::address_bits(address.family)));
  if (!r.found_entry) return out;
  out.found = true;
  out.location = decode(r.entry);
  return out;
}

Status GeoDb::walk(const std::function<void(const net::Prefix&, const Location&)>& visit) const {
  std::unordered_map<uint32_t, Location> decoded;  // by data offset: records are shared
  TreeWalk walker(impl_->mmdb, impl_->path.string(), [&](const net::Prefix& n, MMDB_entry_s entry) {
    auto it = decoded.find(entry.offset);
    if (it == decoded.end()) it = decoded.emplace(entry.offset, decode(entry)).first;
    visit(n, it->second);
  });
  return walker.run();
}

Result<GeoNetworks> GeoDb::networks() const {
  GeoNetworks out;
  std::unordered_map<uint32_t, uint32_t> index;  // data offset -> locations index
  TreeWalk walker(impl_->mmdb, impl_->path.string(), [&](const net::Prefix& n, MMDB_entry_s entry) {
    auto [it, added] = index.emplace(entry.offset, uint32_t(out.locations.size()));
    if (added) out.locations.push_back(decode(entry));
    out.networks.push_back({n, it->second});
  });
  if (auto ok = walker.run(); !ok) return ok.error();
  std::sort(out.networks.begin(), out.networks.end(),
            [](const GeoNetwork& a, const GeoNetwork& b) { return a.network < b.network; });
  return out;
}

}  // namespace cdn::dns
