// SPDX-License-Identifier: BSD-2-Clause
// RemoteStore over SFTP: listings and pipelined fetches on one SFTP session.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "remote_store.h"

namespace lingercam::pull {

class MemoryBudget;
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
	/// The daemon's memory budget that reads in flight draw on (none: only maxInFlight).
	MemoryBudget *budget = nullptr;
};

/// RemoteStore over SFTP: one started SFTP session (on one SSH connection in the daemon:
/// connectSftpStore in ssh_channel_transport.h), every request pipelined.
class SftpRemoteStore final : public RemoteStore {
public:
	SftpRemoteStore(std::unique_ptr<SftpChannel> sftp, std::string root, FetchTuning tuning);
	~SftpRemoteStore() override;

	std::string describe() const override;
	void requestLink(const std::string &path, LinkCallback done) override;
	void requestLstat(std::vector<std::string> paths, LstatCallback done) override;
	void requestList(const std::string &path, ListCallback done) override;
	void requestWrite(const std::string &path, std::string content, std::function<void()> done) override;
	void prepareWrite(const std::string &path) override;
	void unprepareWrite(const std::string &path) override;
	void startFetching(FetchQueue &queue) override;
	void stopFetching() override;
	std::size_t fetching() const override { return open_.size(); }
	void pump(std::optional<std::chrono::milliseconds> wait = std::nullopt) override;
	bool busy() const override;

	/// READDIR requests sent at once per folder, batch after batch until the end: a day of
	/// 1,440 frames comes in 15 answers from OpenSSH, so a listing takes two round trips
	/// (OPENDIR, then one batch of READDIRs).
	static constexpr unsigned kReaddirsAhead = 16;

private:
	/// One file of the fetch while it is open on the server.
	struct OpenFile {
		FetchItem item;
		std::string handle;
		bool opening = true;      ///< OPEN sent, not answered
		bool opened = false;
		bool finished = false;    ///< done, failed or cancelled; late replies are ignored
		std::uint64_t end = 0;    ///< listed size
		std::uint64_t next = 0;   ///< next offset to request
		std::uint64_t missing = 0; ///< bytes in [offset, end) not received yet
		bool eofSeen = false;     ///< the server showed the file ends at `end`
		unsigned reads = 0;       ///< read requests in flight
		bool closing = false;     ///< CLOSE sent, not answered
		/// The sink has every byte before this offset, each once and in order.
		std::uint64_t delivered = 0;
		/// Replies that arrived before the bytes in front of them (reordered replies, or reads
		/// past a short one): held until those come. They count as bytes in flight until they
		/// reach the sink, so all files together hold at most FetchTuning::maxInFlight.
		std::map<std::uint64_t, std::vector<std::uint8_t>> early;
	};
	struct Listing;
	struct Prepared;

	std::string full(const std::string &relative) const;
	void refill();
	void openMore();
	void issueReads();
	void requestRead(OpenFile &file, std::uint64_t offset, std::uint64_t len);
	void deliver(OpenFile &file, std::uint64_t offset, std::span<const std::uint8_t> bytes);
	void finish(OpenFile &file);
	void fail(OpenFile &file, const std::string &why, bool gone);
	void maybeDone(OpenFile &file);
	void readdirMore(const std::shared_ptr<Listing> &listing);
	void finishListing(const std::shared_ptr<Listing> &listing);
	void sendWrite(const std::string &path, const std::shared_ptr<Prepared> &prepared);

	std::unique_ptr<SftpChannel> sftp_;
	std::string root_;
	FetchTuning tuning_;

	// The running fetch. Files in the order they were opened; reads go to the front-most
	// ones first so the server streams file after file while opens for the next ones are
	// already queued. Elements stay put while others are added at the back.
	FetchQueue *queue_ = nullptr;
	std::deque<OpenFile> open_;
	/// Bytes requested and not yet handed to the sink: in flight, or parked while the bytes
	/// in front of them are still missing.
	std::uint64_t inFlight_ = 0;
	std::uint64_t budgetHeld_ = 0; ///< of tuning_.budget, for the reads in flight
	bool stopping_ = false;
	std::map<std::string, std::shared_ptr<Prepared>> prepared_;
	/// What the listings in flight hold, all together.
	std::size_t listingBytes_ = 0;
	std::size_t listingEntries_ = 0;
};

} // namespace lingercam::pull
