#include "dns/wire/query.h"

namespace cdn::dns {
namespace {

// RFC 7871 6: family 1/2, source prefix within the family, exactly ceil(source/8) address
// bytes, scope 0 in queries, no bits set beyond the source prefix. Otherwise FORMERR.
bool read_client_subnet(const uint8_t* p, size_t len, ClientSubnet& out) {
  if (len < 4) return false;
  out.family = get16(p);
  out.source_prefix = p[2];
  uint8_t scope = p[3];
  size_t max_bits = out.family == 1 ? 32 : out.family == 2 ? 128 : 0;
  if (max_bits == 0 || out.source_prefix > max_bits || scope != 0) return false;
  size_t bytes = (out.source_prefix + 7) / 8;
  if (len - 4 != bytes) return false;
  for (size_t i = 0; i < bytes; ++i) out.address[i] = p[4 + i];
  if (out.source_prefix % 8 != 0) {
    uint8_t mask = uint8_t(0xFF >> (out.source_prefix % 8));
    if (out.address[bytes - 1] & mask) return false;
  }
  return true;
}

// The OPT pseudo-RR (RFC 6891 6.1.2): owner must be the root.
bool read_opt(const uint8_t* rr, size_t rdlen, const uint8_t* rdata, Query& q) {
  q.has_edns = true;
  q.udp_payload = get16(rr + 2);
  if (q.udp_payload < 512) q.udp_payload = 512;
  uint32_t ttl = get32(rr + 4);
  q.edns_version = uint8_t(ttl >> 16);
  q.dnssec_ok = (ttl & 0x8000) != 0;
  size_t pos = 0;
  while (pos < rdlen) {
    if (rdlen - pos < 4) return false;
    uint16_t code = get16(rdata + pos);
    uint16_t len = get16(rdata + pos + 2);
    pos += 4;
    if (rdlen - pos < len) return false;
    if (code == edns::Nsid) {
      q.nsid_requested = true;  // RFC 5001 2.1: the request carries an empty payload
    } else if (code == edns::ClientSubnet) {
      if (q.has_ecs || !read_client_subnet(rdata + pos, len, q.ecs)) return false;
      q.has_ecs = true;
    }  // other options are ignored (RFC 6891 6.1.2)
    pos += len;
  }
  return true;
}

}  // namespace

ParseResult parse_query(std::span<const uint8_t> packet, Query& q) noexcept {
  if (packet.size() < kHeaderSize) return ParseResult::Drop;
  const uint8_t* h = packet.data();
  if (h[2] & 0x80) return ParseResult::Drop;  // a response: answering could start a loop
  q.id = get16(h);
  q.opcode = (h[2] >> 3) & 0x0F;
  q.rd = (h[2] & 0x01) != 0;
  q.cd = (h[3] & 0x10) != 0;
  q.has_question = false;
  q.has_edns = false;
  q.has_ecs = false;
  q.nsid_requested = false;
  q.dnssec_ok = false;
  q.edns_version = 0;
  q.udp_payload = 512;
  uint16_t qdcount = get16(h + 4), ancount = get16(h + 6), nscount = get16(h + 8),
           arcount = get16(h + 10);
  if (q.opcode != opcode::Query) return ParseResult::NotImp;
  if (qdcount != 1) return ParseResult::FormErr;

  size_t pos = kHeaderSize;
  uint32_t label_hashes[kMaxLabels];
  q.qname_len =
      read_question_name(packet, pos, q.qname, q.qname_labels, label_hashes, q.qname_label_count);
  if (q.qname_len == 0) return ParseResult::FormErr;
  combine_suffix_hashes(label_hashes, q.qname_label_count, q.qname_hashes);
  pos += q.qname_len;
  if (pos + 4 > packet.size()) return ParseResult::FormErr;
  q.qtype = get16(h + pos);
  q.qclass = get16(h + pos + 2);
  pos += 4;
  q.question_end = pos;
  q.has_question = true;

  // Answer and authority records are not expected in a query but are well-formed RRs to skip;
  // the additional section may carry one OPT (and TSIG, which we do not verify).
  uint32_t records = uint32_t(ancount) + nscount + arcount;
  for (uint32_t i = 0; i < records; ++i) {
    size_t owner = pos;
    pos = skip_name(packet, pos);
    if (pos == 0 || pos + 10 > packet.size()) return ParseResult::FormErr;
    const uint8_t* rr = h + pos;
    uint16_t rdlen = get16(rr + 8);
    if (pos + 10 + rdlen > packet.size()) return ParseResult::FormErr;
    if (get16(rr) == type::OPT) {
      // RFC 6891 6.1.1: one OPT, in the additional section, owned by the root.
      if (q.has_edns || i < uint32_t(ancount) + nscount || packet[owner] != 0)
        return ParseResult::FormErr;
      if (!read_opt(rr, rdlen, rr + 10, q)) return ParseResult::FormErr;
    }
    pos += 10 + rdlen;
  }
  if (pos != packet.size()) return ParseResult::FormErr;  // trailing garbage
  return ParseResult::Ok;
}

}  // namespace cdn::dns
