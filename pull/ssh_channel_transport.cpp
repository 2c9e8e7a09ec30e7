// SPDX-License-Identifier: MIT
// The SFTP byte stream over a libssh channel (see ssh_channel_transport.h).
#include "ssh_channel_transport.h"

#include <algorithm>
#include <limits>

#include <libssh/libssh.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "sftp_channel.h"
#include "ssh_error.h"

namespace lingercam::pull {

SshChannelTransport::SshChannelTransport(std::unique_ptr<SshConnection> connection)
	: connection_(std::move(connection))
{
	ssh_session session = connection_->session();
	channel_ = ssh_channel_new(session);
	if (!channel_)
		throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "open a channel", ssh_get_error(session));
	if (ssh_channel_open_session(channel_) != SSH_OK) {
		ssh_channel_free(channel_);
		channel_ = nullptr;
		throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "open a channel", ssh_get_error(session));
	}
	if (int rc = ssh_channel_request_subsystem(channel_, "sftp"); rc != SSH_OK) {
		ssh_channel_free(channel_);
		channel_ = nullptr;
		throwIfSshFailed(rc, session, SshError::Kind::Protocol, "start the sftp subsystem");
	}
}

SshChannelTransport::~SshChannelTransport()
{
	if (channel_) {
		// Best effort: the connection may be gone already.
		if (ssh_channel_is_open(channel_))
			ssh_channel_close(channel_);
		ssh_channel_free(channel_);
	}
}

void SshChannelTransport::write(std::span<const std::uint8_t> bytes)
{
	ssh_session session = connection_->session();
	std::size_t done = 0;
	while (done < bytes.size()) {
		const auto chunk = static_cast<std::uint32_t>(
			std::min<std::size_t>(bytes.size() - done, std::numeric_limits<std::int32_t>::max()));
		int n = ssh_channel_write(channel_, bytes.data() + done, chunk);
		if (n <= 0)
			throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "send SFTP requests",
				 ssh_get_error(session));
		done += static_cast<std::size_t>(n);
	}
}

std::size_t SshChannelTransport::read(std::span<std::uint8_t> buffer, Clock::time_point deadline)
{
	ssh_session session = connection_->session();
	const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
	if (left <= 0)
		return 0;
	const auto want = static_cast<std::uint32_t>(
		std::min<std::size_t>(buffer.size(), std::numeric_limits<std::int32_t>::max()));
	int n = ssh_channel_read_timeout(channel_, buffer.data(), want, 0,
					 static_cast<int>(std::min<long long>(left, std::numeric_limits<int>::max())));
	if (n < 0)
		throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "read from the server", ssh_get_error(session));
	if (n == 0 && (ssh_channel_is_eof(channel_) || !ssh_channel_is_open(channel_) || !ssh_is_connected(session)))
		throwSsh(SshError::Kind::Dropped, 0, "read from the server", "the connection was closed");
	return static_cast<std::size_t>(n);
}

std::unique_ptr<RemoteStore> connectSftpStore(const SshOptions &ssh, std::string root, FetchTuning tuning)
{
	auto connection = std::make_unique<SshConnection>(ssh);
	const std::string cipher = connection->cipher();
	auto log = common::logger("sftp");
	auto sftp = std::make_unique<SftpChannel>(std::make_unique<SshChannelTransport>(std::move(connection)),
						  ssh.ioTimeout, log);
	sftp->start();
	log->debug("connected peer={} cipher={} store={} max_read={}", sftp->peer(), cipher, root, sftp->maxRead());
	return std::make_unique<SftpRemoteStore>(std::move(sftp), std::move(root), tuning);
}

} // namespace lingercam::pull
