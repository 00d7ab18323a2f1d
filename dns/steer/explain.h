// dns/steer/explain.h: why a steered name gets the answer it gets, for one client. Runs the
// query path's own selection (steer(), with a trace) and adds what it does not need: the
// client's location and each candidate's distance, latency, load, state, score and verdict.
// The JSON is what cdn-dnsd's control socket returns for {"cmd":"explain"} and what
// `cdnctl explain` prints (from the daemon, or offline from the database).
#pragma once
#include <string_view>

#include "common/control/control.h"
#include "common/result.h"
#include "dns/steer/served.h"

namespace cdn::dns {

// `client`: the resolver's address; `ecs`: an EDNS Client Subnet prefix ("10.1.2.0/24") or "".
Result<control::Json> explain_json(const ServedSteering& steering, const SteeringStates& states,
                                   std::string_view name, std::string_view client,
                                   std::string_view ecs);

}  // namespace cdn::dns
