// healthd/check/dns.cc: one DNS query to the target, built and parsed by ldns. Sent over UDP;
// asked again over TCP when the answer is truncated (TC). Up when the rcode is the expected one
// and, if the spec names an address, an A/AAAA record in the answer section holds it.
#include <ldns/ldns.h>
// ldns/common.h defines bool, true and false as macros in C++ too (it does not see the
// compiler's bool); left defined they break <optional> and friends.
#undef bool
#undef true
#undef false

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "healthd/check/kinds.h"

namespace cdn::health {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

struct FreePkt {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct FreeRdf {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using PktPtr = std::unique_ptr<ldns_pkt, FreePkt>;
using RdfPtr = std::unique_ptr<ldns_rdf, FreeRdf>;

std::string rcode_name(int rcode) {
  ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
  return entry ? entry->name : "RCODE" + std::to_string(rcode);
}

bool rcode_by_name(const std::string& name, int& out) {
  ldns_lookup_table* entry = ldns_lookup_by_name(ldns_rcodes, name.c_str());
  if (!entry) return false;
  out = entry->id;
  return true;
}

// What every probe of one check shares; probes hold it, so they may outlive the Check.
struct Settings {
  asio::ip::address address;
  uint16_t port = 53;
  std::string qname;
  ldns_rr_type qtype = LDNS_RR_TYPE_A;
  int rcode = 0;
  bool want_address = false;
  asio::ip::address expect_address;
};

struct Probe : std::enable_shared_from_this<Probe> {
  Probe(asio::io_context& io, Check::Done d, std::shared_ptr<const Settings> s)
      : udp_socket(io), tcp_socket(io), done(std::move(d)), settings(std::move(s)) {}

  void run() {
    if (cancelled) return finish(false, "cancelled");
    static thread_local std::mt19937 random{std::random_device{}()};
    id = static_cast<uint16_t>(random());
    RdfPtr name(ldns_dname_new_frm_str(settings->qname.c_str()));
    if (!name) return finish(false, "bad query name");
    // No RD: an authoritative server is asked about its own data.
    PktPtr packet(ldns_pkt_query_new(name.release(), settings->qtype, LDNS_RR_CLASS_IN, 0));
    if (!packet) return finish(false, "cannot build the query");
    ldns_pkt_set_id(packet.get(), id);
    uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, packet.get(), &size) != LDNS_STATUS_OK) {
      return finish(false, "cannot encode the query");
    }
    query.assign(wire, wire + size);
    LDNS_FREE(wire);

    boost::system::error_code error;
    udp::endpoint server(settings->address, settings->port);
    udp_socket.open(server.protocol(), error);
    if (!error) udp_socket.connect(server, error);  // only the server's answers get through
    if (error) return finish(false, "udp: " + describe(error));
    auto self = shared_from_this();
    udp_socket.async_send(asio::buffer(query), [self](const boost::system::error_code& e, size_t) {
      if (e) return self->finish(false, "udp send: " + describe(e));
      self->receive_udp();
    });
  }

  void receive_udp() {
    auto self = shared_from_this();
    answer.resize(65535);
    udp_socket.async_receive(
        asio::buffer(answer), [self](const boost::system::error_code& e, size_t n) {
          if (e) return self->finish(false, "udp receive: " + describe(e));
          self->answer.resize(n);
          ldns_pkt* raw = nullptr;
          if (ldns_wire2pkt(&raw, self->answer.data(), n) != LDNS_STATUS_OK ||
              ldns_pkt_id(raw) != self->id || !ldns_pkt_qr(raw)) {
            ldns_pkt_free(raw);
            return self->receive_udp();  // not our answer: keep waiting, the timeout bounds it
          }
          PktPtr packet(raw);
          if (ldns_pkt_tc(packet.get())) return self->ask_tcp();
          self->evaluate(packet.get(), "udp");
        });
  }

  void ask_tcp() {
    auto self = shared_from_this();
    tcp_socket.async_connect(
        tcp::endpoint(settings->address, settings->port),
        [self](const boost::system::error_code& e) {
          if (e) return self->finish(false, "tcp after truncation: " + describe(e));
          // RFC 1035 4.2.2: a two-byte length, then the message.
          self->framed.clear();
          self->framed.push_back(static_cast<uint8_t>(self->query.size() >> 8));
          self->framed.push_back(static_cast<uint8_t>(self->query.size() & 0xff));
          self->framed.insert(self->framed.end(), self->query.begin(), self->query.end());
          asio::async_write(self->tcp_socket, asio::buffer(self->framed),
                            [self](const boost::system::error_code& we, size_t) {
                              if (we) return self->finish(false, "tcp send: " + describe(we));
                              self->receive_tcp();
                            });
        });
  }

  void receive_tcp() {
    auto self = shared_from_this();
    asio::async_read(
        tcp_socket, asio::buffer(length), [self](const boost::system::error_code& e, size_t) {
          if (e) return self->finish(false, "tcp receive: " + describe(e));
          size_t n = (size_t(self->length[0]) << 8) | self->length[1];
          self->answer.resize(n);
          asio::async_read(self->tcp_socket, asio::buffer(self->answer),
                           [self](const boost::system::error_code& re, size_t) {
                             if (re) return self->finish(false, "tcp receive: " + describe(re));
                             ldns_pkt* raw = nullptr;
                             if (ldns_wire2pkt(&raw, self->answer.data(), self->answer.size()) !=
                                     LDNS_STATUS_OK ||
                                 ldns_pkt_id(raw) != self->id) {
                               ldns_pkt_free(raw);
                               return self->finish(false, "tcp: malformed or unrelated answer");
                             }
                             PktPtr packet(raw);
                             self->evaluate(packet.get(), "tcp");
                           });
        });
  }

  void evaluate(ldns_pkt* packet, const std::string& transport) {
    int rcode = ldns_pkt_get_rcode(packet);
    std::string got = "rcode " + rcode_name(rcode);
    if (transport == "tcp") got += " over tcp";
    if (rcode != settings->rcode) {
      return finish(false, got + " (expected " + rcode_name(settings->rcode) + ")");
    }
    if (!settings->want_address) return finish(true, got);
    ldns_rr_list* answers = ldns_pkt_answer(packet);
    for (size_t i = 0; answers && i < ldns_rr_list_rr_count(answers); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(answers, i);
      ldns_rr_type type = ldns_rr_get_type(rr);
      if ((type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) < 1) {
        continue;
      }
      char* text = ldns_rdf2str(ldns_rr_rdf(rr, 0));
      if (!text) continue;
      boost::system::error_code error;
      auto address = asio::ip::make_address(text, error);
      LDNS_FREE(text);
      if (!error && address == settings->expect_address) {
        return finish(true, got + ", answer has " + address.to_string());
      }
    }
    finish(false, got + ", answer lacks " + settings->expect_address.to_string());
  }

  void finish(bool up, std::string reason) {
    boost::system::error_code ignored;
    udp_socket.close(ignored);
    tcp_socket.close(ignored);
    if (done) {
      auto d = std::move(done);
      done = nullptr;
      d(CheckResult{up, std::move(reason), {}, {}});
    }
  }

  void close() {
    cancelled = true;
    boost::system::error_code ignored;
    udp_socket.close(ignored);
    tcp_socket.close(ignored);
  }

  udp::socket udp_socket;
  tcp::socket tcp_socket;
  Check::Done done;
  std::shared_ptr<const Settings> settings;
  uint16_t id = 0;
  bool cancelled = false;  // cancel() came before run()
  std::vector<uint8_t> query;
  std::vector<uint8_t> framed;
  std::vector<uint8_t> answer;
  std::array<uint8_t, 2> length{};
};

class DnsCheck final : public Check {
 public:
  DnsCheck(const CheckSpec& spec, asio::io_context& io) : io_(io) {
    auto s = std::make_shared<Settings>();
    auto endpoint = to_asio<tcp::endpoint>(spec.target);
    s->address = endpoint.address();
    s->port = endpoint.port();
    s->qname = spec.dns.qname;
    s->qtype = ldns_get_rr_type_by_name(spec.dns.qtype.c_str());
    rcode_by_name(spec.dns.rcode, s->rcode);
    if (!spec.dns.expect_address.empty()) {
      s->want_address = true;
      s->expect_address = asio::ip::make_address(spec.dns.expect_address);
    }
    settings_ = std::move(s);
  }
  ~DnsCheck() override { cancel(); }

  void start(Done done) override {
    auto probe = std::make_shared<Probe>(io_, std::move(done), settings_);
    current_ = probe;
    asio::post(io_, [probe] { probe->run(); });  // `done` is never called from start()
  }

  void cancel() override {
    if (auto probe = current_.lock()) probe->close();
  }

 private:
  asio::io_context& io_;
  std::shared_ptr<const Settings> settings_;
  std::weak_ptr<Probe> current_;  // the probe in flight, owned by its handlers
};

}  // namespace

std::unique_ptr<Check> make_dns_check(const CheckSpec& spec, asio::io_context& io) {
  return std::make_unique<DnsCheck>(spec, io);
}

}  // namespace cdn::health
