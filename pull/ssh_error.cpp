// SPDX-License-Identifier: BSD-2-Clause
// SSH and SFTP failures as exceptions (see ssh_error.h).
#include "ssh_error.h"

namespace lingercam::pull {

SshError::SshError(Kind kind, int code, const std::string &what) : std::runtime_error(what), kind_(kind), code_(code)
{
}

void throwSsh(SshError::Kind kind, int code, const std::string &what, const std::string &detail)
{
	throw SshError(kind, code, what + ": " + detail);
}

} // namespace lingercam::pull
