#include "ssh_error.h"

#include <libssh/libssh.h>

namespace lingercam::pull {

SshError::SshError(Kind kind, int code, const std::string &what) : std::runtime_error(what), kind_(kind), code_(code)
{
}

void throwIfSshFailed(int rc, ssh_session session, SshError::Kind kind, const std::string &what)
{
	if (rc == SSH_OK)
		return;
	const char *message = session ? ssh_get_error(session) : nullptr;
	int code = session ? ssh_get_error_code(session) : rc;
	throwSsh(kind, code, what, message && *message ? message : "libssh returned " + std::to_string(rc));
}

void throwSsh(SshError::Kind kind, int code, const std::string &what, const std::string &detail)
{
	throw SshError(kind, code, what + ": " + detail);
}

} // namespace lingercam::pull
