// dns/server/answer.cc: query -> response. DOC:
// parse_query() checks the message; closest() picks the zone; lookup() classifies the name,
// and the loop below follows CNAME and DNAME chains inside the zone (RFC 1034 4.3.2 step 3,
// RFC 6672 3.3), writing each step's RRsets. Names are compressed against the question and
// every owner written so far (RFC 1035 4.1.4); RDATA is copied as stored. Additional-section
// data (glue, NS/MX/SRV targets) follows the answer; a referral whose in-domain glue does not
// fit is marked TC (RFC 9471). The OPT record's room is reserved before any section is written.
#include "dns/server/answer.h"

#include <netinet/in.h>

#include <algorithm>

#include "dns/steer/ecs.h"
#include "dns/steer/served.h"
#include "dns/wire/query.h"
#include "dns/wire/wire.h"
#include "dns/zone/lookup.h"

namespace cdn::dns {
namespace {

constexpr size_t kMaxChain = 16;  // CNAME/DNAME steps followed inside a zone
constexpr size_t kMaxCompressionEntries = 96;
constexpr size_t kMaxAdditional = 8;          // RRsets whose targets go to the additional section
constexpr size_t kMaxAdditionalTargets = 64;  // names of one RRset looked up for it

class Writer {
 public:
  Writer(uint8_t* buf, size_t limit) : buf_(buf), limit_(limit) {}

  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }
  // A point to roll back to: what was written after it, and the names remembered there, go.
  struct Mark {
    size_t pos, entries;
    bool question_remembered;
  };
  Mark mark() const { return {pos_, n_entries_, question_remembered_}; }
  void rollback(Mark m) {
    pos_ = m.pos;
    question_remembered_ = m.question_remembered;
    n_entries_ = m.entries;
  }
  uint8_t* data() { return buf_; }
  bool room(size_t n) const { return pos_ + n <= limit_; }
  void set_limit(size_t limit) { limit_ = limit; }

  bool put(const void* src, size_t n) {
    if (!room(n)) return false;
    std::memcpy(buf_ + pos_, src, n);
    pos_ += n;
    return true;
  }

  // Registers the suffixes of a name written at packet offset `at` that start before `upto`
  // (the labels written out; the rest was a pointer to a name already registered).
  void remember(const uint8_t* name, size_t len, size_t at, size_t upto = kMaxNameLength) {
    for (size_t i = 0; i < upto && name[i] != 0 && n_entries_ < kMaxCompressionEntries;
         i += name[i] + 1) {
      if (at + i >= 0x4000) return;
      entries_[n_entries_++] = {name + i, uint16_t(len - i), uint16_t(at + i)};
    }
  }

  // Writes a lower-case name, compressed against every name remembered so far.
  // The question name, remembered only when a name is first compressed (most answers
  // point at the question directly and never search).
  void set_question(const uint8_t* qname, size_t len) {
    question_ = qname;
    question_len_ = len;
  }

  bool put_name(const uint8_t* name, size_t len) {
    if (!question_remembered_ && question_ != nullptr) {
      question_remembered_ = true;
      remember(question_, question_len_, kHeaderSize);
    }
    size_t start = pos_;
    for (size_t i = 0; i < len; i += name[i] + 1) {
      if (name[i] == 0) {
        if (!put(name, len)) return false;
        remember(name, len, start);
        return true;
      }
      const uint8_t* suffix = name + i;
      size_t suffix_len = len - i;
      for (size_t e = 0; e < n_entries_; ++e) {
        const Entry& en = entries_[e];
        if (en.len == suffix_len && names_equal(en.name, en.len, suffix, suffix_len)) {
          uint8_t ptr[2] = {uint8_t(0xC0 | (en.offset >> 8)), uint8_t(en.offset)};
          if (!put(name, i) || !put(ptr, 2)) return false;
          remember(name, len, start, i);
          return true;
        }
      }
    }
    return false;  // not reached for a well-formed name
  }

 private:
  struct Entry {
    const uint8_t* name;
    uint16_t len;
    uint16_t offset;
  };
  uint8_t* buf_;
  size_t limit_;
  size_t pos_ = 0;
  Entry entries_[kMaxCompressionEntries];
  size_t n_entries_ = 0;
  const uint8_t* question_ = nullptr;
  size_t question_len_ = 0;
  bool question_remembered_ = false;
};

// The name being resolved: the question, or a CNAME/DNAME target later in the chain.
struct Current {
  const uint8_t* name;
  size_t len;
  uint8_t labels[kMaxLabels];
  size_t label_count;
  uint32_t hashes[kMaxLabels + 1];
  bool is_question;
  NameView view() const { return {name, len, labels, label_count, hashes}; }
};

void set_labels(Current& c) {
  c.label_count = 0;
  for (size_t i = 0; c.name[i] != 0; i += c.name[i] + 1) c.labels[c.label_count++] = uint8_t(i);
  suffix_hashes(c.name, c.labels, c.label_count, c.hashes);
}

class ResponseBuilder {
 public:
  ResponseBuilder(Writer& w, const CompiledZone& zone) : w_(w), zone_(zone) {}

  bool put_question_pointer() {
    static constexpr uint8_t kPtr[2] = {0xC0, 0x0C};
    return w_.put(kPtr, 2);
  }

 private:
  auto owner_writer(const Current& owner) {
    return [this, &owner] {
      if (owner.is_question) return put_question_pointer();
      return w_.put_name(owner.name, owner.len);
    };
  }
  std::span<const uint8_t> cname_target(const RRset& rr) const {
    return rr.type == type::CNAME ? zone_.target(rr) : std::span<const uint8_t>();
  }

 public:
  // Writes every RR of `rr` with the given owner. Returns false when it does not fit
  // (the writer is then rolled back to where the RRset began).
  bool put_rrset(const Current& owner, const RRset& rr, uint16_t& section_count) {
    return put_wire(zone_.wire(rr), rr.count, section_count, owner_writer(owner), cname_target(rr));
  }
  bool put_rrset(const Node& owner, const RRset& rr, uint16_t& section_count) {
    return put_wire(
        zone_.wire(rr), rr.count, section_count,
        [&] { return w_.put_name(zone_.name(owner), owner.name_length); }, cname_target(rr));
  }
  // Records built elsewhere (steering), owned by the current name.
  bool put_records(const Current& owner, std::span<const uint8_t> wire, uint16_t count,
                   uint16_t& section_count) {
    return put_wire(wire, count, section_count, owner_writer(owner), {});
  }

  // Copies a template, pointing its apex references at `apex_at` in the question.
  bool put_template(const ApexTemplate& t, size_t apex_at, uint16_t& section_count) {
    size_t start = w_.pos();
    if (!w_.put(t.bytes.data(), t.bytes.size())) return false;
    for (uint8_t i = 0; i < t.pointers; ++i) {
      uint8_t* p = w_.data() + start + t.pointer_at[i];
      p[0] = uint8_t(0xC0 | (apex_at >> 8));
      p[1] = uint8_t(apex_at);
    }
    ++section_count;
    return true;
  }

 private:
  // Writes `count` RRs (TYPE CLASS TTL RDLENGTH RDATA each) with the owner `write_owner` writes
  // once and later RRs point at. A CNAME's `target` is remembered for compressing the chain.
  template <class WriteOwner>
  bool put_wire(std::span<const uint8_t> wire, uint16_t count, uint16_t& section_count,
                WriteOwner write_owner, std::span<const uint8_t> target) {
    const Writer::Mark start = w_.mark();
    const uint8_t* p = wire.data();
    const uint8_t* end = p + wire.size();
    size_t owner_at = 0;
    for (bool first = true; p < end; first = false) {
      size_t rdlen = get16(p + 8);
      if (first) {
        owner_at = w_.pos();
        if (!write_owner()) return w_.rollback(start), false;
      } else if (owner_at < 0x4000) {
        uint8_t ptr[2] = {uint8_t(0xC0 | (owner_at >> 8)), uint8_t(owner_at)};
        if (!w_.put(ptr, 2)) return w_.rollback(start), false;
      } else if (!write_owner()) {
        return w_.rollback(start), false;
      }
      size_t rdata_at = w_.pos() + 10;
      if (!w_.put(p, 10 + rdlen)) return w_.rollback(start), false;
      if (first && !target.empty()) {
        // The target is the next owner in a chain: let it compress to this RDATA.
        w_.remember(target.data(), target.size(), rdata_at);
      }
      p += 10 + rdlen;
    }
    section_count = uint16_t(section_count + count);
    return true;
  }

  Writer& w_;
  const CompiledZone& zone_;
};

size_t opt_size(const Snapshot& snap, const Query& q) {
  size_t n = 11;
  if (q.nsid_requested && !snap.options.nsid.empty()) n += 4 + snap.options.nsid.size();
  if (q.has_ecs) n += 4 + 4 + (q.ecs.source_prefix + 7) / 8;
  return n;
}

// RFC 6891 6.1.2 / 6.1.3: our payload size, the upper rcode bits, version 0, DO copied.
void put_opt(Writer& w, const Snapshot& snap, const Query& q, uint16_t rcode, uint8_t scope) {
  uint8_t* p = w.data() + w.pos();
  size_t rdlen = opt_size(snap, q) - 11;
  p[0] = 0;
  put16(p + 1, type::OPT);
  put16(p + 3, snap.options.max_udp_payload);
  put32(p + 5, uint32_t(rcode >> 4) << 24 | (q.dnssec_ok ? 0x8000u : 0u));
  put16(p + 9, uint16_t(rdlen));
  p += 11;
  if (q.nsid_requested && !snap.options.nsid.empty()) {
    put16(p, edns::Nsid);
    put16(p + 2, uint16_t(snap.options.nsid.size()));
    std::memcpy(p + 4, snap.options.nsid.data(), snap.options.nsid.size());
    p += 4 + snap.options.nsid.size();
  }
  if (q.has_ecs) {
    // RFC 7871 7.2.1: echo family, source prefix and address; the scope says for which clients
    // the answer holds (0 = everyone: names that are not steered).
    size_t bytes = (q.ecs.source_prefix + 7) / 8;
    put16(p, edns::ClientSubnet);
    put16(p + 2, uint16_t(4 + bytes));
    put16(p + 4, q.ecs.family);
    p[6] = q.ecs.source_prefix;
    p[7] = scope;
    std::memcpy(p + 8, q.ecs.address, bytes);
  }
  w.set_pos(w.pos() + 11 + rdlen);
}

struct Sections {
  uint16_t an = 0, ns = 0, ar = 0;
};

net::Address resolver_address(const sockaddr_storage* peer) {
  net::Address a;
  if (peer != nullptr && peer->ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(*peer);
    std::memcpy(a.bytes.data(), &v4.sin_addr, 4);
  } else if (peer != nullptr && peer->ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(*peer);
    a.family = net::Family::V6;
    std::memcpy(a.bytes.data(), &v6.sin6_addr, 16);
  }
  return a;
}

// A steered name's A or AAAA answer: the client's network (ECS, else the resolver), its
// ranking in the pool, the first N serving edges (dns/steer select.h), their records copied.
// Returns false when the answer does not fit.
bool answer_steered(ResponseBuilder& b, const ServedSteering& steering, int name,
                    const Current& cur, const Query& q, const QueryContext& ctx,
                    QueryCounters& counters, Sections& s, uint8_t& scope) {
  static const SteeringStates kAllUp;  // no states pushed yet: every edge serves
  SteeringClient client = steering_client(q.has_ecs ? &q.ecs : nullptr, resolver_address(ctx.peer));
  Selection sel = steer(steering.set, ctx.states ? *ctx.states : kAllUp,
                        steering.name_pools[size_t(name)], client.address);
  if (q.has_ecs) scope = ecs_scope(client, sel.prefix_length);
  QueryCounters::bump(counters.steered_by_reason[size_t(sel.reason)]);
  const auto& records = steering.records[sel.pool];
  for (uint16_t e : sel.chosen()) {
    const auto& r = records[e];
    bool v4 = q.qtype == type::A;
    uint16_t count = v4 ? r.a_count : r.aaaa_count;
    if (count == 0) continue;
    if (!b.put_records(cur, v4 ? r.a : r.aaaa, count, s.an)) return false;
    steering.count_answer(sel.pool, e);
  }
  return true;
}

// Resolves the question inside `zone`, writing answer, authority and additional sections.
// Returns the rcode; sets `aa` and `tc`.
Rcode resolve(Writer& w, const Snapshot& snap, const CompiledZone& zone, const Query& q,
              Transport transport, const QueryContext& ctx, QueryCounters& counters, Sections& s,
              bool& aa, bool& tc, uint8_t& scope) {
  ResponseBuilder b(w, zone);
  Current cur;
  cur.name = q.qname;
  cur.len = q.qname_len;
  std::copy(q.qname_labels, q.qname_labels + q.qname_label_count, cur.labels);
  cur.label_count = q.qname_label_count;
  std::copy(q.qname_hashes, q.qname_hashes + q.qname_label_count + 1, cur.hashes);
  cur.is_question = true;
  uint8_t synthesized[kMaxChain][kMaxNameLength];  // DNAME substitutions, one per step
  struct ForAdditional {
    const RRset* rrset;
    uint32_t owner;
    bool referral;
  };
  ForAdditional additional[kMaxAdditional];
  size_t n_additional = 0;
  uint32_t visited[kMaxChain];
  size_t n_visited = 0;
  Rcode rcode = Rcode::NoError;
  aa = true;
  // Where the apex starts in the question (the zone was chosen as a suffix of it).
  const size_t apex_label = q.qname_label_count - zone.origin_labels();
  const size_t apex_at =
      kHeaderSize +
      (apex_label < q.qname_label_count ? q.qname_labels[apex_label] : q.qname_len - 1);

  auto truncate = [&] {
    tc = true;
    return rcode;
  };
  auto add_for_additional = [&](const RRset* rr, uint32_t owner, bool referral) {
    if ((rr->type == type::NS || rr->type == type::MX || rr->type == type::SRV) &&
        n_additional < kMaxAdditional)
      additional[n_additional++] = {rr, owner, referral};
  };

  for (size_t step = 0;; ++step) {
    if (snap.steering && (q.qtype == type::A || q.qtype == type::AAAA)) {
      if (int name = snap.steering->find(cur.view()); name >= 0) {
        uint16_t before = s.an;
        if (!answer_steered(b, *snap.steering, name, cur, q, ctx, counters, s, scope))
          return truncate();
        // No edge with an address of this family: NODATA (RFC 2308 2.2).
        if (s.an == before && !b.put_template(zone.negative_soa(), apex_at, s.ns))
          return truncate();
        break;
      }
    }
    LookupResult r = lookup(zone, cur.view(), q.qtype);
    bool follow = false;
    switch (r.kind) {
      case LookupKind::Answer: {
        const Node& node = zone.node(r.node);
        if (q.qtype == type::ANY) {
          // RFC 8482 4.1: over UDP one RRset is enough; over TCP send them all.
          for (const RRset& rr : zone.rrsets(node)) {
            if (!b.put_rrset(cur, rr, s.an)) return truncate();
            if (transport == Transport::Udp) break;
          }
        } else {
          if (!b.put_rrset(cur, *r.rrset, s.an)) return truncate();
          add_for_additional(r.rrset, r.node, false);
        }
        break;
      }
      case LookupKind::Cname: {
        bool seen = false;
        for (size_t i = 0; i < n_visited; ++i) seen |= visited[i] == r.node;
        if (seen) break;  // a loop: every CNAME of it is in the answer already
        if (!b.put_rrset(cur, *r.rrset, s.an)) return truncate();
        if (n_visited < kMaxChain) visited[n_visited++] = r.node;
        const auto t = zone.target(*r.rrset);
        // Follow only inside this zone (RFC 1034 4.3.2 3.a restarts at step 1 in general, but
        // an authoritative server answers from its own data; a loop ends the chain).
        if (step + 1 < kMaxChain && name_is_below_or_equal(t.data(), t.size(), zone.origin().data(),
                                                           zone.origin().size())) {
          cur.name = t.data();
          cur.len = t.size();
          cur.is_question = false;
          set_labels(cur);
          follow = true;
        }
        break;
      }
      case LookupKind::NoData:
      case LookupKind::NxDomain:
        if (r.kind == LookupKind::NxDomain) rcode = Rcode::NxDomain;  // RFC 6604 3
        if (!b.put_template(zone.negative_soa(), apex_at, s.ns)) return truncate();
        break;
      case LookupKind::Referral: {
        if (step == 0) aa = false;  // RFC 1034 4.3.2 3.b: a referral is not authoritative
        if (!b.put_rrset(zone.node(r.node), *r.rrset, s.ns)) return truncate();
        add_for_additional(r.rrset, r.node, true);
        break;
      }
      case LookupKind::Dname: {
        const Node& owner = zone.node(r.node);
        if (!b.put_rrset(owner, *r.rrset, s.an)) return truncate();
        // RFC 6672 2.2: replace the owner suffix of the current name by the target.
        const auto target = zone.target(*r.rrset);
        size_t prefix_len = cur.len - owner.name_length;
        if (prefix_len + target.size() > kMaxNameLength) {
          rcode = Rcode::YxDomain;  // RFC 6672 2.2: the result would be too long
          break;
        }
        uint8_t* out = synthesized[step];
        std::memcpy(out, cur.name, prefix_len);
        std::memcpy(out + prefix_len, target.data(), target.size());
        size_t out_len = prefix_len + target.size();
        // The synthesized CNAME: owner = current name, TTL = the DNAME's (RFC 6672 3.4).
        const Writer::Mark start = w.mark();
        bool ok = cur.is_question ? b.put_question_pointer() : w.put_name(cur.name, cur.len);
        uint8_t fixed[10];
        put16(fixed, type::CNAME);
        put16(fixed + 2, kClassIn);
        put32(fixed + 4, r.rrset->ttl);
        put16(fixed + 8, uint16_t(out_len));
        size_t rdata_at = 0;
        ok = ok && w.put(fixed, 10) && ((rdata_at = w.pos()), w.put(out, out_len));
        if (!ok) {
          w.rollback(start);
          return truncate();
        }
        w.remember(out, out_len, rdata_at);
        ++s.an;
        if (q.qtype == type::CNAME) break;
        if (step + 1 < kMaxChain &&
            name_is_below_or_equal(out, out_len, zone.origin().data(), zone.origin().size())) {
          cur.name = out;
          cur.len = out_len;
          cur.is_question = false;
          set_labels(cur);
          follow = true;
        }
        break;
      }
    }
    if (!follow) break;
  }

  // Additional section: A then AAAA of each target node. Leaving out optional data is fine;
  // missing in-domain glue of a referral makes the response truncated (RFC 9471 3).
  AdditionalTarget targets[kMaxAdditionalTargets];
  for (size_t i = 0; i < n_additional; ++i) {
    const ForAdditional& f = additional[i];
    size_t n =
        zone.additional(*f.rrset, zone.node(f.owner), f.referral, targets, std::size(targets));
    for (const AdditionalTarget& a : std::span(targets, n)) {
      const Node& target = zone.node(a.node);
      for (uint16_t t : {type::A, type::AAAA}) {
        const RRset* glue = zone.rrset(target, t);
        if (glue && !b.put_rrset(target, *glue, s.ar) && a.required) tc = true;
      }
    }
  }
  return rcode;
}

void finish_header(uint8_t* h, const Query& q, Rcode rcode, bool aa, bool tc, uint16_t qd,
                   const Sections& s, uint16_t ar_extra) {
  put16(h, q.id);
  h[2] = uint8_t(0x80 | (q.opcode << 3) | (aa ? 0x04 : 0) | (tc ? 0x02 : 0) | (q.rd ? 0x01 : 0));
  h[3] = uint8_t((q.cd ? 0x10 : 0) | (uint16_t(rcode) & 0x0F));
  put16(h + 4, qd);
  put16(h + 6, s.an);
  put16(h + 8, s.ns);
  put16(h + 10, uint16_t(s.ar + ar_extra));
}

bool is_unsupported_meta_type(uint16_t t) {
  return t == type::OPT || t == type::TKEY || t == type::TSIG || t == type::MAILA ||
         t == type::MAILB || t == type::AXFR || t == type::IXFR;
}

}  // namespace

size_t answer_query(const Snapshot& snap, std::span<const uint8_t> query, std::span<uint8_t> out,
                    Transport transport, QueryCounters& counters,
                    const QueryContext& context) noexcept {
  Query q;
  ParseResult parsed = parse_query(query, q);
  if (parsed == ParseResult::Drop) {
    QueryCounters::bump(counters.dropped);
    return 0;
  }
  QueryCounters::bump(counters.queries_by_transport[transport == Transport::Tcp ? 1 : 0]);
  Writer w(out.data(), out.size());
  Sections s;
  Rcode rcode = Rcode::NoError;
  bool aa = false, tc = false, with_question = q.has_question, with_opt = false;
  uint8_t scope = 0;  // ECS scope of the answer (RFC 7871 7.2.1)

  if (parsed == ParseResult::Ok) {
    counters.count_qtype(q.qtype);
    with_opt = q.has_edns;
    size_t max = transport == Transport::Tcp ? out.size()
                 : q.has_edns ? std::min<size_t>(q.udp_payload, snap.options.max_udp_payload)
                              : 512;
    max = std::min(max, out.size());
    size_t reserve = with_opt ? opt_size(snap, q) : 0;
    w.set_limit(max - reserve);
    w.set_pos(q.question_end);
    std::memcpy(out.data() + kHeaderSize, query.data() + kHeaderSize, q.question_end - kHeaderSize);
    w.set_question(q.qname, q.qname_len);
    const Writer::Mark after_question = w.mark();

    const CompiledZone* zone = nullptr;
    if (q.has_edns && q.edns_version != 0) {
      rcode = Rcode::BadVers;  // RFC 6891 6.1.3
    } else if (is_unsupported_meta_type(q.qtype)) {
      rcode = q.qtype == type::OPT ? Rcode::FormErr : Rcode::NotImp;
    } else if ((q.qclass != kClassIn && q.qclass != kClassAny) ||
               (zone = snap.zones.closest(q.qname_view())) == nullptr) {
      rcode = Rcode::Refused;  // another class, or a name outside every zone we serve
    } else {
      // DS at the apex of a served child lives in the parent, when we serve that too
      // (RFC 4035 3.1.4.1).
      if (q.qtype == type::DS && zone->origin().size() == q.qname_len && q.qname_label_count > 0) {
        if (const CompiledZone* parent = snap.zones.closest(q.qname_view(), 1)) zone = parent;
      }
      rcode = resolve(w, snap, *zone, q, transport, context, counters, s, aa, tc, scope);
      if (tc && s.ns == 0 && s.ar == 0) {
        // Truncated in the answer or authority: send the question alone (RFC 2181 9).
        s = Sections{};
        w.rollback(after_question);
      }
    }
    w.set_limit(max);
  } else if (parsed == ParseResult::NotImp) {
    rcode = Rcode::NotImp;
    with_question = false;
    w.set_pos(kHeaderSize);
  } else {
    rcode = Rcode::FormErr;
    with_question = false;  // the question itself may be what is malformed
    w.set_pos(kHeaderSize);
  }
  if (with_opt) put_opt(w, snap, q, uint16_t(rcode), scope);
  if (q.has_ecs) {
    QueryCounters::bump(counters.ecs_queries);
    QueryCounters::bump(counters.ecs_scope[scope]);
  }
  finish_header(out.data(), q, rcode, aa, tc, with_question ? 1 : 0, s, with_opt ? 1 : 0);
  QueryCounters::bump(counters.responses_by_rcode[std::min<size_t>(uint16_t(rcode), 23)]);
  if (tc) QueryCounters::bump(counters.truncated);
  return w.pos();
}

}  // namespace cdn::dns
