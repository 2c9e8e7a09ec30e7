// SPDX-License-Identifier: BSD-2-Clause
// SSH and SFTP failures as exceptions whose kind tells retry from operator problems.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace lingercam::pull {

/// A failure of the SSH connection or of an SFTP request, carrying libssh's or the server's
/// code and message. kind() tells the puller what to do: retry the round (transient), give
/// up on this source until an operator acts (auth, host key), or skip one file.
class SshError : public std::runtime_error {
public:
	enum class Kind {
		Connect,  ///< TCP connect or key exchange failed: transient
		Dropped,  ///< the connection broke or timed out mid-round: transient
		HostKey,  ///< host key unknown under strict, or changed: needs an operator
		Auth,     ///< no key was accepted: needs an operator
		Protocol, ///< the server broke the SFTP protocol
		Remote,   ///< an SFTP request failed (status code in code())
		Stopped,  ///< a stop was requested (SIGTERM, systemctl stop): not a failure
		Overtime, ///< the round passed round_timeout: not retried, the next round continues
	};

	SshError(Kind kind, int code, const std::string &what);

	Kind kind() const { return kind_; }
	/// libssh's error code (ssh_get_error_code) or the SFTP status code.
	int code() const { return code_; }
	/// Worth retrying within the round with backoff.
	bool transient() const { return kind_ == Kind::Connect || kind_ == Kind::Dropped; }

private:
	Kind kind_;
	int code_;
};

/// SFTP v3 status codes (draft-ietf-secsh-filexfer-02).
inline constexpr std::uint32_t kSftpOk = 0;
inline constexpr std::uint32_t kSftpEof = 1;
inline constexpr std::uint32_t kSftpNoSuchFile = 2;
inline constexpr std::uint32_t kSftpPermissionDenied = 3;
inline constexpr std::uint32_t kSftpFailure = 4;
inline constexpr std::uint32_t kSftpOpUnsupported = 8;

/// Throws SshError(kind, code, what + ": " + detail).
[[noreturn]] void throwSsh(SshError::Kind kind, int code, const std::string &what, const std::string &detail);

} // namespace lingercam::pull
