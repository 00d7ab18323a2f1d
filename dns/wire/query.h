// dns/wire/query.h: reading one query (RFC 1035 4.1, EDNS0 RFC 6891, NSID RFC 5001,
// Client Subnet RFC 7871). On the query path the error is the answer: parse_query returns the
// rcode to send (FORMERR for a malformed message), never throws and never allocates.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/wire/wire.h"

namespace cdn::dns {

struct ClientSubnet {
  uint16_t family = 0;  // 1 IPv4, 2 IPv6 (IANA address family numbers)
  uint8_t source_prefix = 0;
  uint8_t address[16] = {};  // zero beyond source_prefix
};

struct Query {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool rd = false;
  bool cd = false;
  bool has_question = false;  // header and question were readable (echo them in the response)
  size_t question_end = 0;    // offset just after QTYPE/QCLASS in the packet
  // The question name, lower-cased, and where its labels start (offsets within qname).
  uint8_t qname[kMaxNameLength];
  size_t qname_len = 0;
  uint8_t qname_labels[kMaxLabels];
  size_t qname_label_count = 0;
  uint32_t qname_hashes[kMaxLabels + 1];
  NameView qname_view() const {
    return {qname, qname_len, qname_labels, qname_label_count, qname_hashes};
  }
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  // EDNS (RFC 6891)
  bool has_edns = false;
  uint8_t edns_version = 0;
  bool dnssec_ok = false;
  uint16_t udp_payload = 512;  // the requestor's, raised to 512 when lower (RFC 6891 6.2.5)
  bool nsid_requested = false;
  bool has_ecs = false;
  ClientSubnet ecs;
};

enum class ParseResult : uint8_t {
  Ok,
  Drop,     // not worth an answer: shorter than a header, or a response (QR=1)
  FormErr,  // malformed; has_question says whether the question may be echoed
  NotImp,   // an opcode we do not implement
};

ParseResult parse_query(std::span<const uint8_t> packet, Query& out) noexcept;

}  // namespace cdn::dns
