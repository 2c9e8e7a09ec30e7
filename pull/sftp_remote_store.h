#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "remote_store.h"

namespace lingercam::pull {

class SftpChannel;

/// How hard the fetch pipeline drives the server.
struct FetchTuning {
	/// Largest read request; 0 takes the server's limit (limits@openssh.com: 255 KiB on
	/// OpenSSH, so a 250 KB frame is one request), capped to 32 KiB by servers that don't say.
	std::uint32_t maxRequest = 0;
	/// Bytes requested and not yet received, across all files.
	std::uint64_t maxInFlight = 8u << 20;
	/// Files open at once on the server (opens are sent ahead of the reads that need them).
	unsigned maxOpenFiles = 64;
};

/// RemoteStore over SFTP: one started SFTP session (on one SSH connection in the daemon:
/// connectSftpStore in ssh_channel_transport.h), pipelined requests.
class SftpRemoteStore final : public RemoteStore {
public:
	SftpRemoteStore(std::unique_ptr<SftpChannel> sftp, std::string root, FetchTuning tuning);
	~SftpRemoteStore() override;

	std::string describe() const override;
	std::optional<std::string> readLink(const std::string &path) override;
	std::vector<std::optional<RemoteEntry>> lstatMany(const std::vector<std::string> &paths) override;
	std::optional<std::vector<RemoteEntry>> list(const std::string &path) override;
	void fetch(std::span<const FetchItem> items, FetchSink &sink) override;
	void writeFile(const std::string &path, std::string_view content) override;

private:
	std::string full(const std::string &relative) const;

	std::unique_ptr<SftpChannel> sftp_;
	std::string root_;
	FetchTuning tuning_;
};

} // namespace lingercam::pull
