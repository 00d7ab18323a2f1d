// cli/exit_codes.h: what cdnctl's exit status means, for scripts and CI.
#pragma once

namespace cdn::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // invalid input, refused change, missing zone, db error
inline constexpr int kExitUsage = 2;        // bad command line (CLI11 parse errors)
inline constexpr int kExitUnreachable = 3;  // a daemon's control socket did not answer

}  // namespace cdn::cli
