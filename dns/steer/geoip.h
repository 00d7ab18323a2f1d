// dns/steer/geoip.h: client locations from a MaxMind DB (GeoIP2/GeoLite2 City schema:
// location.latitude/longitude, country.iso_code, continent.code), read with libmaxminddb.
// Two uses: one lookup (`cdnctl geoip lookup`, explain), and a walk over every network that
// has data, which the rank compiler turns into prefix tables. Nothing here is on the query path.
//
// The walk and IPv4: an IPv6 database keeps IPv4 under ::/96 (::a.b.c.d). The walk reports
// that subtree once, as IPv4 networks (::c000:200/120 is reported as 192.0.2.0/24). Databases
// written with IPv4 aliases also point ::ffff:0:0/96 (IPv4-mapped), 2001::/32 (Teredo) and
// 2002::/16 (6to4) at the same node; a record that leads to the IPv4 subtree's node anywhere else
// than at ::/96 is such an alias and is not walked, so every IPv4 network appears once and those
// IPv6 ranges have no networks of their own. If a record above ::/96 holds data, that data
// covers all of IPv4 and the walk reports 0.0.0.0/0 with it (and the IPv6 network as well).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/prefix.h"
#include "common/result.h"
#include "dns/steer/model.h"

namespace cdn::dns {

struct GeoLookup {
  bool found = false;   // false: the address is in no network with data
  net::Prefix network;  // the database's network holding the address (IPv4 lengths for IPv4)
  Location location;
};

// Every network with data, each record decoded once: networks point into `locations`.
struct GeoNetwork {
  net::Prefix network;
  uint32_t location = 0;
};
struct GeoNetworks {
  std::vector<Location> locations;
  std::vector<GeoNetwork> networks;  // IPv4 then IPv6, each in address order
};

class GeoDb {
 public:
  // Errors name the path: "/var/lib/cdn/city.mmdb: Error opening the specified MaxMind DB file:
  // No such file or directory".
  static Result<GeoDb> open(const std::filesystem::path& file);
  GeoDb(GeoDb&&) noexcept;
  GeoDb& operator=(GeoDb&&) noexcept;
  ~GeoDb();

  Result<GeoLookup> lookup(const net::Address& address) const;
  Result<GeoLookup> lookup(std::string_view address) const;  // "192.0.2.1", "2001:db8::1"
  // Calls `visit` for every network with data. Fails on a corrupt tree.
  Status walk(const std::function<void(const net::Prefix&, const Location&)>& visit) const;
  Result<GeoNetworks> networks() const;

  const std::filesystem::path& path() const;
  int ip_version() const;             // 4 or 6
  std::string database_type() const;  // "GeoIP2-City"
  uint64_t build_epoch() const;

 private:
  struct Impl;
  explicit GeoDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cdn::dns
