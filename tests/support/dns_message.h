// tests/support/dns_message.h: build queries and read responses in unit tests, independent of
// the server's own reader and writer (a second implementation catches what one gets wrong).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cdn::test {

struct QueryOptions {
  uint16_t id = 0x1234;
  uint16_t qtype = 1;
  uint16_t qclass = 1;
  bool edns = false;
  uint16_t payload = 1232;
  uint8_t version = 0;
  bool dnssec_ok = false;
  bool nsid = false;
  std::vector<uint8_t> extra_options;  // raw EDNS options appended
  uint8_t opcode = 0;
};

// "www.Example.com" -> wire, case kept.
inline std::vector<uint8_t> wire_name(const std::string& text) {
  std::vector<uint8_t> out;
  size_t start = 0;
  std::string t = text;
  if (!t.empty() && t.back() == '.') t.pop_back();
  while (!t.empty() && start <= t.size()) {
    size_t dot = t.find('.', start);
    if (dot == std::string::npos) dot = t.size();
    out.push_back(uint8_t(dot - start));
    out.insert(out.end(), t.begin() + long(start), t.begin() + long(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

inline std::vector<uint8_t> make_query(const std::string& name, QueryOptions o = {}) {
  std::vector<uint8_t> q = {
      uint8_t(o.id >> 8),     uint8_t(o.id), uint8_t(o.opcode << 3), 0, 0, 1, 0, 0, 0, 0, 0,
      uint8_t(o.edns ? 1 : 0)};
  auto n = wire_name(name);
  q.insert(q.end(), n.begin(), n.end());
  q.insert(q.end(),
           {uint8_t(o.qtype >> 8), uint8_t(o.qtype), uint8_t(o.qclass >> 8), uint8_t(o.qclass)});
  if (o.edns) {
    std::vector<uint8_t> opts = o.extra_options;
    if (o.nsid) opts.insert(opts.end(), {0, 3, 0, 0});
    q.insert(q.end(),
             {0, 0, 41, uint8_t(o.payload >> 8), uint8_t(o.payload), 0, o.version,
              uint8_t(o.dnssec_ok ? 0x80 : 0), 0, uint8_t(opts.size() >> 8), uint8_t(opts.size())});
    q.insert(q.end(), opts.begin(), opts.end());
  }
  return q;
}

struct RR {
  std::string owner;  // lower case, with the trailing dot
  uint16_t type = 0, rclass = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;  // as sent (names inside may be compressed)
  std::string rdata_name;      // for CNAME/NS/DNAME/PTR: the decompressed target
};

struct Response {
  uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false;
  unsigned rcode = 0;  // with the extended bits from OPT
  uint16_t qdcount = 0;
  std::string qname_raw;  // as echoed, case kept
  std::vector<RR> answer, authority, additional;
  bool has_opt = false;
  uint16_t opt_payload = 0;
  uint32_t opt_ttl = 0;
  std::vector<uint8_t> opt_rdata;
};

inline std::string read_name(const std::vector<uint8_t>& m, size_t& pos, bool lower = true) {
  std::string out;
  size_t p = pos;
  bool jumped = false;
  int hops = 0;
  while (true) {
    if (p >= m.size()) throw std::runtime_error("name overruns the message");
    uint8_t l = m[p];
    if ((l & 0xC0) == 0xC0) {
      if (p + 1 >= m.size() || ++hops > 64) throw std::runtime_error("bad pointer");
      size_t target = size_t(l & 0x3F) << 8 | m[p + 1];
      if (!jumped) pos = p + 2;
      jumped = true;
      p = target;
      continue;
    }
    if (l == 0) {
      if (!jumped) pos = p + 1;
      break;
    }
    for (size_t i = 0; i < l; ++i) {
      char c = char(m.at(p + 1 + i));
      out += lower && c >= 'A' && c <= 'Z' ? char(c + 32) : c;
    }
    out += '.';
    p += 1 + l;
  }
  return out.empty() ? "." : out;
}

inline Response parse_response(const std::vector<uint8_t>& m) {
  if (m.size() < 12) throw std::runtime_error("short response");
  Response r;
  r.id = uint16_t(m[0] << 8 | m[1]);
  r.qr = m[2] & 0x80;
  r.aa = m[2] & 0x04;
  r.tc = m[2] & 0x02;
  r.rd = m[2] & 0x01;
  r.rcode = m[3] & 0x0F;
  r.qdcount = uint16_t(m[4] << 8 | m[5]);
  uint16_t counts[3] = {uint16_t(m[6] << 8 | m[7]), uint16_t(m[8] << 8 | m[9]),
                        uint16_t(m[10] << 8 | m[11])};
  size_t pos = 12;
  for (int i = 0; i < r.qdcount; ++i) {
    r.qname_raw = read_name(m, pos, false);
    pos += 4;
  }
  std::vector<RR>* sections[3] = {&r.answer, &r.authority, &r.additional};
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < counts[s]; ++i) {
      RR rr;
      rr.owner = read_name(m, pos);
      if (pos + 10 > m.size()) throw std::runtime_error("RR overruns the message");
      rr.type = uint16_t(m[pos] << 8 | m[pos + 1]);
      rr.rclass = uint16_t(m[pos + 2] << 8 | m[pos + 3]);
      rr.ttl = uint32_t(m[pos + 4]) << 24 | uint32_t(m[pos + 5]) << 16 | uint32_t(m[pos + 6]) << 8 |
               m[pos + 7];
      size_t rdlen = size_t(m[pos + 8] << 8 | m[pos + 9]);
      pos += 10;
      if (pos + rdlen > m.size()) throw std::runtime_error("RDATA overruns the message");
      rr.rdata.assign(m.begin() + long(pos), m.begin() + long(pos + rdlen));
      if (rr.type == 2 || rr.type == 5 || rr.type == 12 || rr.type == 39) {
        size_t p = pos;
        rr.rdata_name = read_name(m, p);
      }
      pos += rdlen;
      if (rr.type == 41) {
        r.has_opt = true;
        r.opt_payload = rr.rclass;
        r.opt_ttl = rr.ttl;
        r.opt_rdata = rr.rdata;
        r.rcode |= (rr.ttl >> 24) << 4;
        continue;
      }
      sections[s]->push_back(rr);
    }
  }
  if (pos != m.size()) throw std::runtime_error("trailing bytes in the response");
  return r;
}

}  // namespace cdn::test
