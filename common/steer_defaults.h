// common/steer_defaults.h: the defaults of an edge and a pool, one set for the store (what
// cdnctl writes when an option is not given) and for the steering model that cdn-dnsd compiles
// (dns/steer/model.h).
#pragma once
#include <cstdint>

namespace cdn::steer_defaults {

constexpr uint32_t kEdgeCapacity = 1;   // no unit: reported load is a fraction of it
constexpr uint32_t kEdgeWeight = 1;     // share among edges tied on score
constexpr uint16_t kPoolAnswers = 1;    // addresses per answer
constexpr uint32_t kPoolTtl = 60;       // seconds
constexpr double kPoolLoadLow = 0.80;   // an overloaded edge comes back below this load
constexpr double kPoolLoadHigh = 0.95;  // an edge above this load is overloaded

}  // namespace cdn::steer_defaults
