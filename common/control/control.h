// common/control/control.h: the control protocol every daemon, cdnctl and the bridge speak.
// A Unix stream socket; one JSON object per line in each direction:
//   {"cmd":"reload","version":42}  ->  {"ok":true,"version":42}
// Errors are {"ok":false,"error":"..."}. The server answers each line of a connection in order.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace cdn::control {

using Json = nlohmann::json;
// Called on the connection's own thread; must be thread-safe. Returns the reply object.
using Handler = std::function<Json(const Json& request)>;

class Server {
 public:
  // Binds `socket_path` (an old socket file there is replaced), mode 0660.
  static Result<std::unique_ptr<Server>> start(const std::string& socket_path, Handler handler);
  ~Server();  // stops accepting, closes connections, joins threads, unlinks the socket
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  const std::string& path() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One request, one reply. Error.where is the socket path; "unreachable" in what when nobody
// listens.
Result<Json> call(const std::string& socket_path, const Json& request,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Helpers for handlers.
Json ok_reply();
Json error_reply(const std::string& message);
// nullopt for {"ok":true,...}; else the reply's error message.
std::optional<std::string> refusal(const Json& reply);

// One command of a daemon's table: its name, a line of help, the handler of its requests
// (messages.h's command<Request>() makes one that decodes the request first).
struct Command {
  std::string name;
  std::string help;
  Handler handler;
};

// The handler of a daemon's control socket: runs the command the request names. A request
// without a string "cmd", or with one the table lacks, gets the same error from every daemon:
//   {"ok":false,"error":"unknown command 'x' (dnsd takes: status, reload, ...)"}
// "help" is answered from the table: {"ok":true,"daemon":"dnsd","commands":[{name,help}...]}.
Handler dispatch(std::string daemon, std::vector<Command> commands);

}  // namespace cdn::control
