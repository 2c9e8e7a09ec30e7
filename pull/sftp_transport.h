// SPDX-License-Identifier: BSD-2-Clause
// The byte stream the SFTP client speaks over: an SSH channel in the daemon, a fake server
// in tests and fuzzers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace lingercam::pull {

/// One SFTP session's byte stream, both ways. The SFTP client (SftpChannel) frames its
/// packets on it and knows nothing of SSH. Errors are thrown as SshError(Dropped) with a
/// message that says what happened ("the connection was closed", libssh's error).
class SftpTransport {
public:
	using Clock = std::chrono::steady_clock;

	virtual ~SftpTransport() = default;

	/// Sends all of \a bytes, or throws.
	virtual void write(std::span<const std::uint8_t> bytes) = 0;
	/// Reads what has arrived into \a buffer, waiting for something until \a deadline at
	/// most. Returns the bytes read: 0 only when the deadline passed with nothing. Throws
	/// when the stream ended (end of file, closed) or failed.
	virtual std::size_t read(std::span<std::uint8_t> buffer, Clock::time_point deadline) = 0;
	/// "user@host:port" or another name for log lines.
	virtual std::string peer() const = 0;
};

} // namespace lingercam::pull
