// SPDX-License-Identifier: BSD-2-Clause
// The SFTP byte stream over a libssh channel (see ssh_channel_transport.h).
#include "ssh_channel_transport.h"

#include <algorithm>
#include <limits>
#include <thread>

#include <libssh/libssh.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "sftp_channel.h"
#include "ssh_error.h"

namespace lingercam::pull {

SshChannelTransport::SshChannelTransport(std::unique_ptr<SshConnection> connection, std::chrono::milliseconds ioTimeout)
	: connection_(std::move(connection)), ioTimeout_(ioTimeout)
{
	ssh_session session = connection_->session();
	channel_ = ssh_channel_new(session);
	if (!channel_)
		throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "open a channel", sshErrorText(session));
	try {
		// Still non-blocking (see SshConnection): a stop ends these waits too.
		throwIfSshFailed(connection_->untilDone([this] { return ssh_channel_open_session(channel_); }, SSH_AGAIN,
							"open a channel", SshError::Kind::Dropped, ioTimeout,
							"io_timeout"),
				 session, SshError::Kind::Dropped, "open a channel");
		throwIfSshFailed(connection_->untilDone([this] { return ssh_channel_request_subsystem(channel_, "sftp"); },
							SSH_AGAIN, "start the sftp subsystem", SshError::Kind::Dropped,
							ioTimeout, "io_timeout"),
				 session, SshError::Kind::Protocol, "start the sftp subsystem");
		connection_->setUpDone();
		// Where a round's time goes, from here: bench/pull/bench_pull.sh measures the newest
		// frame's arrival from this line.
		common::logger("sftp")->debug("session up peer={}", connection_->peer());
	} catch (...) {
		ssh_channel_free(channel_);
		channel_ = nullptr;
		throw;
	}
}

SshChannelTransport::~SshChannelTransport()
{
	if (channel_) {
		// Best effort, without waiting: the connection may be gone already, and a server
		// that stops reading must not hold a stopping daemon for io_timeout.
		ssh_set_blocking(connection_->session(), 0);
		if (ssh_channel_is_open(channel_))
			ssh_channel_close(channel_);
		ssh_channel_free(channel_);
	}
}

void SshChannelTransport::write(std::span<const std::uint8_t> bytes)
{
	ssh_session session = connection_->session();
	const auto until = Clock::now() + ioTimeout_;
	std::size_t done = 0;
	while (done < bytes.size()) {
		// Never more than the server's window: a blocking write past it would wait for the
		// server for as long as libssh's timeout, deaf to a stop request.
		const std::uint32_t window = ssh_channel_window_size(channel_);
		if (window == 0) {
			connection_->limits().check("send SFTP requests");
			if (Clock::now() >= until)
				throwSsh(SshError::Kind::Dropped, 0, "send SFTP requests",
					 "the server took no requests within io_timeout=" + configDuration(ioTimeout_));
			const int ms = connection_->limits().pollMilliseconds(until);
			// Handles what arrives (the window adjust among it); returns at once when data
			// is waiting to be read, so then sleep instead of spinning.
			const int polled = ssh_channel_poll_timeout(channel_, ms, 0);
			if (polled < 0 || !ssh_channel_is_open(channel_))
				throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "send SFTP requests",
					 polled == SSH_ERROR ? sshErrorText(session) : "the connection was closed");
			if (polled > 0)
				std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, 10)));
			continue;
		}
		const auto chunk = static_cast<std::uint32_t>(std::min<std::size_t>(bytes.size() - done, window));
		int n = ssh_channel_write(channel_, bytes.data() + done, chunk);
		if (n <= 0)
			throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "send SFTP requests",
				 sshErrorText(session));
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
	// libssh 0.11 (Debian 13) says SSH_AGAIN when the timeout passed with nothing to read;
	// 0.10 says 0. Either is "nothing yet", not an error.
	if (n == SSH_AGAIN)
		n = 0;
	if (n < 0)
		throwSsh(SshError::Kind::Dropped, ssh_get_error_code(session), "read from the server", sshErrorText(session));
	// The subsystem's stderr is no part of SFTP, and libssh keeps it until it is read: read
	// and drop what is there (a bounded amount per call), so a server cannot grow it.
	char dropped[16384];
	for (int i = 0; i < 16 && ssh_channel_poll(channel_, 1) > 0; ++i)
		if (ssh_channel_read_nonblocking(channel_, dropped, sizeof dropped, 1) <= 0)
			break;
	if (n == 0 && (ssh_channel_is_eof(channel_) || !ssh_channel_is_open(channel_) || !ssh_is_connected(session)))
		throwSsh(SshError::Kind::Dropped, 0, "read from the server", "the connection was closed");
	if (n > 0)
		connection_->limits().progressed(); // a slow link is slow, not hung
	return static_cast<std::size_t>(n);
}

std::unique_ptr<RemoteStore> connectSftpStore(const SshOptions &ssh, std::string root, const RoundLimits &limits,
					      FetchTuning tuning)
{
	auto connection = std::make_unique<SshConnection>(ssh, limits);
	const std::string cipher = connection->cipher();
	auto log = common::logger("sftp");
	auto sftp = std::make_unique<SftpChannel>(
		std::make_unique<SshChannelTransport>(std::move(connection), ssh.ioTimeout), ssh.ioTimeout, log);
	sftp->setLimits(limits);
	sftp->start(false);
	log->debug("connected peer={} cipher={} store={}", sftp->peer(), cipher, root);
	return std::make_unique<SftpRemoteStore>(std::move(sftp), std::move(root), tuning);
}

} // namespace lingercam::pull
