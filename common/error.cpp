// SPDX-License-Identifier: BSD-2-Clause
// lingercam's exceptions, and the helpers that turn C return codes into them (see error.h).
#include "error.h"

#include <cerrno>
#include <cstring>

namespace lingercam::common {

SystemError::SystemError(const std::string &what, int code)
	: std::runtime_error(what + ": " + std::strerror(code)), code_(code)
{
}

void throwErrnoIf(bool failed, const std::string &what)
{
	if (failed)
		throw SystemError(what, errno);
}

void throwIfNegative(int ret, const std::string &what)
{
	if (ret < 0)
		throw SystemError(what, -ret);
}

} // namespace lingercam::common
