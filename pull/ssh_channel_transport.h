// SPDX-License-Identifier: BSD-2-Clause
// The SFTP byte stream over a libssh channel, and the function that connects a camera
// host's store with it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sftp_remote_store.h"
#include "sftp_transport.h"
#include "ssh_connection.h"

struct ssh_channel_struct;

namespace lingercam::pull {

/// A session channel running the "sftp" subsystem, on a connection of its own: it owns the
/// connection, and frees the channel before the session.
class SshChannelTransport final : public SftpTransport {
public:
	/// Opens the channel and starts the subsystem, each within \a ioTimeout. Throws SshError.
	SshChannelTransport(std::unique_ptr<SshConnection> connection, std::chrono::milliseconds ioTimeout);
	~SshChannelTransport() override;
	SshChannelTransport(const SshChannelTransport &) = delete;
	SshChannelTransport &operator=(const SshChannelTransport &) = delete;

	void write(std::span<const std::uint8_t> bytes) override;
	std::size_t read(std::span<std::uint8_t> buffer, Clock::time_point deadline) override;
	std::string peer() const override { return connection_->peer(); }

private:
	std::unique_ptr<SshConnection> connection_;
	std::chrono::milliseconds ioTimeout_;
	ssh_channel_struct *channel_ = nullptr;
};

/// Connects to the camera host (host key, key authentication), starts SFTP and returns its
/// store at \a root; every wait, from the TCP connect on, keeps to \a limits. Throws SshError.
std::unique_ptr<RemoteStore> connectSftpStore(const SshOptions &ssh, std::string root, const RoundLimits &limits,
					      FetchTuning tuning = {});

} // namespace lingercam::pull
