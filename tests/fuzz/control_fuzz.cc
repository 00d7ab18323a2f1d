// tests/fuzz/control_fuzz.cc: any bytes as one control-protocol line. The server side must
// answer every line with a JSON object, whatever it is.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "common/control/control.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  auto parsed = nlohmann::json::parse(line, nullptr, false);
  cdn::control::Json reply;
  if (parsed.is_discarded() || !parsed.is_object()) {
    reply = cdn::control::error_reply("not a JSON object");
  } else {
    reply = cdn::control::ok_reply();
    reply["echo"] = parsed.value("cmd", nlohmann::json()).is_string() ? parsed["cmd"] : "";
  }
  if (!reply.is_object()) std::abort();
  (void)reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
