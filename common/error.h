// SPDX-License-Identifier: BSD-2-Clause
// lingercam's exceptions, and the helpers that turn C return codes into them.
#pragma once

#include <stdexcept>
#include <string>

namespace lingercam::common {

/// Exit status systemd units use to tell "bad configuration" (sysexits.h EX_CONFIG).
inline constexpr int kExitConfig = 78;

/// A failed system or library call; carries the errno-style code of the C boundary.
class SystemError : public std::runtime_error {
public:
	SystemError(const std::string &what, int code);
	int code() const { return code_; }

private:
	int code_;
};

/// A configuration problem: the message already names file, line and key.
class ConfigError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

/// Throws SystemError(what, errno) when \a failed; the one place C return codes become
/// exceptions.
void throwErrnoIf(bool failed, const std::string &what);

/// Throws SystemError(what, -ret) when \a ret < 0 (libsystemd-style negative errno).
void throwIfNegative(int ret, const std::string &what);

} // namespace lingercam::common
