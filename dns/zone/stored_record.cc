#include "dns/zone/stored_record.h"

#include "dns/wire/wire.h"

namespace cdn::dns {

std::string encode_stored_record(const RecordData& record) {
  std::string out;
  out.reserve(record.owner.size() + 4 + record.rdata.size());
  out.append(record.owner.begin(), record.owner.end());
  const uint8_t fixed[4] = {uint8_t(record.type >> 8), uint8_t(record.type),
                            uint8_t(record.rclass >> 8), uint8_t(record.rclass)};
  out.append(fixed, fixed + 4);
  out.append(record.rdata.begin(), record.rdata.end());
  return out;
}

bool decode_stored_record(std::string_view bytes, uint32_t ttl, RecordData& out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t pos = 0;
  // The owner: labels of at most 63 bytes, at most 255 bytes in all, ending with the root.
  for (;;) {
    if (pos >= bytes.size()) return false;
    uint8_t label = p[pos];
    if (label > 63) return false;
    pos += 1u + label;
    if (pos > kMaxNameLength) return false;
    if (label == 0) break;
  }
  if (bytes.size() < pos + 4) return false;
  out.owner.assign(p, p + pos);
  out.type = get16(p + pos);
  out.rclass = get16(p + pos + 2);
  out.ttl = ttl;
  out.rdata.assign(p + pos + 4, p + bytes.size());
  return true;
}

}  // namespace cdn::dns
