// SPDX-License-Identifier: BSD-2-Clause
// One authenticated SSH connection with libssh: host key check, key authentication.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "round_limits.h"
#include "ssh_error.h"

struct ssh_session_struct;

namespace spdlog {
class logger;
}

namespace lingercam::pull {

/// What to do with a host key known_hosts does not vouch for.
enum class HostKeyPolicy {
	Strict,    ///< refuse unknown and changed keys (OpenSSH StrictHostKeyChecking=yes)
	AcceptNew, ///< record an unknown key, refuse a changed one (StrictHostKeyChecking=accept-new)
};

/// Everything needed to reach one camera host. Empty strings and zero mean "ssh config or
/// libssh's default".
struct SshOptions {
	std::string host;                  ///< host name, address or ~/.ssh/config alias
	int port = 0;
	std::string user;
	std::vector<std::string> identities; ///< private key files; empty: ssh-agent and default keys
	std::string knownHosts;            ///< empty: ~/.ssh/known_hosts
	HostKeyPolicy hostKeyPolicy = HostKeyPolicy::Strict;
	std::string sshConfig;             ///< empty: ~/.ssh/config and /etc/ssh/ssh_config; "none": neither
	std::string ciphers;               ///< libssh cipher list, client-to-server and back
	std::chrono::milliseconds connectTimeout{ 15000 };
	std::chrono::milliseconds ioTimeout{ 60000 };
};

/// One authenticated SSH connection (libssh session): connect, host key check against
/// known_hosts under the policy, public key authentication (key files or ssh-agent, never
/// passwords). Throws SshError with the kind that tells transient from operator problems.
///
/// Connecting runs libssh in non-blocking mode and waits on the socket in short slices,
/// so a stop request or the round's deadline (\a limits) ends it at once, not after
/// connect_timeout. Once set up (channels included: setUp()), the session blocks again,
/// with io_timeout as libssh's timeout.
class SshConnection {
public:
	explicit SshConnection(const SshOptions &options, RoundLimits limits = {});
	~SshConnection();
	SshConnection(const SshConnection &) = delete;
	SshConnection &operator=(const SshConnection &) = delete;

	/// The libssh session, for opening channels on it (SshChannelTransport).
	ssh_session_struct *session() const { return session_; }

	/// "user@host:port" after ssh config was applied.
	const std::string &peer() const { return peer_; }
	/// Negotiated cipher (server to client).
	std::string cipher() const;
	const RoundLimits &limits() const { return limits_; }

	/// Repeats the non-blocking libssh \a call while it returns \a again, waiting for the
	/// socket in between, until \a timeout (named \a timeoutKey in the message) from now.
	/// Throws SshError(\a kind) at the timeout, SshError(Stopped or Overtime) as the round's
	/// limits say; returns the call's last result otherwise.
	int untilDone(const std::function<int()> &call, int again, const std::string &what, SshError::Kind kind,
		      std::chrono::milliseconds timeout, const char *timeoutKey);
	/// Ends the set-up: from here on libssh calls block, for at most io_timeout.
	void setUpDone();

private:
	void verifyHostKey(const SshOptions &options);
	void authenticate(const SshOptions &options);

	ssh_session_struct *session_ = nullptr;
	std::string peer_;
	std::string hostForKeys_; ///< "host" or "[host]:port" as known_hosts writes it
	std::chrono::milliseconds connectTimeout_;
	std::chrono::milliseconds ioTimeout_;
	RoundLimits limits_;
	std::shared_ptr<spdlog::logger> log_;
};

/// libssh's last error for \a session, fit for a log line: it can carry the server's own
/// words (its banner, its DISCONNECT message), so it is escaped and cut (sftp::safeText).
std::string sshErrorText(ssh_session_struct *session);

/// The one place libssh return codes become exceptions: throws SshError(kind) with libssh's
/// code and message when \a rc is not SSH_OK (0).
void throwIfSshFailed(int rc, ssh_session_struct *session, SshError::Kind kind, const std::string &what);

} // namespace lingercam::pull
