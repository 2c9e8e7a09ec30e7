// SPDX-License-Identifier: BSD-2-Clause
// An SFTP v3 server in memory, behind the client's transport seam: it answers the real
// requests SftpChannel writes, from a map of files. Honest by default; tests and the
// client fuzzer (tests/fuzz) change what it answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pull/sftp_transport.h"

namespace lingercam::test {

/// Builds SFTP wire bytes (big-endian numbers, length-prefixed strings) for the fake
/// server's replies and for tests' own hostile ones.
struct SftpBytes {
	std::vector<std::uint8_t> b;
	SftpBytes &u8(std::uint8_t v)
	{
		b.push_back(v);
		return *this;
	}
	SftpBytes &u32(std::uint32_t v)
	{
		// One insert of four bytes: g++ 14 at -O3 warns (stringop-overflow) on four push_backs.
		const std::uint8_t be[4] = { static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
					     static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v) };
		b.insert(b.end(), be, be + 4);
		return *this;
	}
	/// A reply packet's start: type and request id, in one insert (g++ 12 at -O3 warns,
	/// array-bounds and stringop-overflow, on a u8() followed by a u32()).
	static SftpBytes packet(std::uint8_t type, std::uint32_t id)
	{
		SftpBytes o;
		o.b = { type, static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
			static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id) };
		return o;
	}
	SftpBytes &u64(std::uint64_t v) { return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v)); }
	SftpBytes &str(std::string_view s)
	{
		u32(static_cast<std::uint32_t>(s.size()));
		b.insert(b.end(), s.begin(), s.end());
		return *this;
	}
};

class FakeSftpServer final : public pull::SftpTransport {
public:
	/// One request as the client sent it.
	struct Request {
		std::uint8_t type = 0;
		std::uint32_t id = 0;
		std::vector<std::uint8_t> body; ///< after type and id
	};
	/// The reply packets (type, id and body, without the length) for \a request; the
	/// honest answer unless a test installed its own.
	using Responder = std::function<std::vector<std::vector<std::uint8_t>>(const Request &request)>;

	/// Store-relative paths ("2026/11/25/x.jpg") to contents; folders follow from them.
	std::map<std::string, std::string> files;
	/// Symlinks: path to target.
	std::map<std::string, std::string> links;
	/// What limits@openssh.com says for max-read (0: the extension is not offered).
	std::uint64_t maxRead = 261120;
	/// The most one READ serves when set (0: maxRead, or 32 KiB without it), announced or not.
	std::uint64_t readCap = 0;
	/// Entries per READDIR reply.
	std::size_t namesPerReply = 100;
	/// Replaces the honest answer when set.
	Responder responder;
	/// Answers the requests of each write() in reverse order (SFTP lets a server answer in
	/// any order).
	bool reverseReplies = false;
	/// When set, sends one byte per read, each this long after the one before: a server
	/// that keeps a connection alive while hardly answering.
	std::chrono::milliseconds trickle{ 0 };
	/// When set, how many of the \a available bytes one read hands over (1..available):
	/// the fuzzer's choice of how replies are cut into chunks.
	std::function<std::size_t(std::size_t available)> chunk;
	/// Lists every folder entry twice.
	bool duplicateNames = false;
	/// Set by a responder: the packets it returns this time go out as they are, without
	/// the length in front (a server whose framing is broken). Cleared after use.
	bool unframedNext = false;

	// SftpTransport
	void write(std::span<const std::uint8_t> bytes) override;
	std::size_t read(std::span<std::uint8_t> buffer, Clock::time_point deadline) override;
	std::string peer() const override { return "fake-sftp"; }
	/// Reply bytes not yet read.
	bool hasOutput() const { return !toClient_.empty(); }

	/// The honest reply packets for \a request.
	std::vector<std::vector<std::uint8_t>> answer(const Request &request);
	/// Requests seen, by SFTP type number.
	std::map<std::uint8_t, unsigned> requestsSeen;

private:
	void handle(const Request &request);
	/// A folder exists when a file or link is under it.
	bool isFolder(const std::string &path) const;

	std::vector<std::uint8_t> fromClient_;
	struct Outgoing {
		std::vector<std::uint8_t> bytes;
		bool framed = true;
	};
	std::vector<Outgoing> batch_; ///< replies to the current write()
	std::deque<std::uint8_t> toClient_;
	// Open handles: "f<n>" for files (path), "d<n>" for folders (remaining entries).
	std::map<std::string, std::string> openFiles_;
	std::map<std::string, std::vector<std::string>> openDirs_;
	unsigned nextHandle_ = 1;
	Clock::time_point lastByte_{};
};

} // namespace lingercam::test
