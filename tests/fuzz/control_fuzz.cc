// tests/fuzz/control_fuzz.cc: any bytes as one control-protocol line, through a command table
// that holds every message type (common/control/messages.h). Whatever the line, the dispatcher
// answers with a JSON object, and a message that decodes encodes again to something that decodes
// to the same value (the codecs agree with themselves on every input the fuzzer finds).
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "common/control/control.h"
#include "common/control/messages.h"

namespace {

using cdn::control::Json;

// Decodes, encodes, decodes again: the two values must encode the same.
template <class Message>
Json round_trip(const Json& json) {
  Message first;
  if (!cdn::control::decode(json, first)) return cdn::control::error_reply("does not decode");
  Json encoded = cdn::control::encode(first);
  Message second;
  if (!cdn::control::decode(encoded, second)) std::abort();
  if (cdn::control::encode(second) != encoded) std::abort();
  return cdn::control::ok_reply();
}

template <class Request>
cdn::control::Command entry() {
  return cdn::control::command<Request>("fuzzed", [](const Request& request) {
    Json encoded = cdn::control::encode(request);
    round_trip<Request>(encoded);
    return cdn::control::ok_reply();
  });
}

const cdn::control::Handler& handler() {
  static const cdn::control::Handler h = cdn::control::dispatch(
      "fuzz", {entry<cdn::control::StatusRequest>(), entry<cdn::control::StatsRequest>(),
               entry<cdn::control::HealthRequest>(), entry<cdn::control::BgpStatusRequest>(),
               entry<cdn::control::ReloadRequest>(), entry<cdn::control::EdgeStateRequest>(),
               entry<cdn::control::OverrideRequest>(), entry<cdn::control::ExplainRequest>(),
               entry<cdn::control::BridgeSyncRequest>()});
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  auto parsed = nlohmann::json::parse(line, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return 0;
  Json reply = handler()(parsed);
  if (!reply.is_object() || !reply.contains("ok")) std::abort();
  // The replies other programs read, from the same bytes.
  round_trip<cdn::control::ReloadReply>(parsed);
  round_trip<cdn::control::EdgeStateReply>(parsed);
  round_trip<cdn::control::StatusReply>(parsed);
  round_trip<cdn::control::StatsReply>(parsed);
  round_trip<cdn::control::BridgeSyncReply>(parsed);
  round_trip<cdn::control::HealthReply>(parsed);
  round_trip<cdn::control::BgpStatusReply>(parsed);
  (void)reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
