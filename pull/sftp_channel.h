// SPDX-License-Identifier: BSD-2-Clause
// The SFTP v3 client: packets, requests and replies over one transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "round_limits.h"
#include "sftp_transport.h"

namespace spdlog {
class logger;
}

namespace lingercam::pull {

/// SFTP v3 packet types used here.
enum class SftpType : std::uint8_t {
	Init = 1,
	Version = 2,
	Open = 3,
	Close = 4,
	Read = 5,
	Write = 6,
	Lstat = 7,
	Fstat = 8,
	Opendir = 11,
	Readdir = 12,
	Remove = 13,
	Stat = 17,
	Rename = 18,
	Readlink = 19,
	Status = 101,
	Handle = 102,
	Data = 103,
	Name = 104,
	Attrs = 105,
	Extended = 200,
	ExtendedReply = 201,
};

/// SSH_FXP_OPEN flag: open for reading.
inline constexpr std::uint32_t kSftpOpenRead = 0x01;

/// File attributes as SFTP v3 sends them (only what pull uses).
struct SftpAttrs {
	bool hasSize = false;
	bool hasPermissions = false;
	bool hasTimes = false;
	std::uint64_t size = 0;
	std::uint32_t permissions = 0; ///< st_mode, file type bits included
	std::uint32_t mtime = 0;

	bool isRegular() const { return hasPermissions && (permissions & 0170000) == 0100000; }
	bool isDirectory() const { return hasPermissions && (permissions & 0170000) == 0040000; }
	bool isSymlink() const { return hasPermissions && (permissions & 0170000) == 0120000; }
};

struct SftpName {
	std::string name;
	SftpAttrs attrs;
};

/// Builds one request body (after type and id).
class SftpPacket {
public:
	SftpPacket &u32(std::uint32_t v);
	SftpPacket &u64(std::uint64_t v);
	SftpPacket &string(std::string_view s);
	SftpPacket &bytes(std::span<const std::uint8_t> s);
	const std::vector<std::uint8_t> &data() const { return data_; }

private:
	std::vector<std::uint8_t> data_;
};

/// Reads one reply body; every read past the end throws SshError(Protocol).
class SftpReader {
public:
	explicit SftpReader(std::span<const std::uint8_t> data) : data_(data) {}
	std::uint32_t u32();
	std::uint64_t u64();
	std::span<const std::uint8_t> bytes();
	std::string_view string();
	SftpAttrs attrs();
	bool atEnd() const { return pos_ == data_.size(); }

private:
	void need(std::size_t n) const;
	std::span<const std::uint8_t> data_;
	std::size_t pos_ = 0;
};

/// An SFTP v3 client spoken over one transport (an SSH channel: SshChannelTransport), with
/// any number of requests in flight. It knows nothing of SSH.
///
/// libssh 0.10's own sftp_* calls wait for every open and close and read in small pieces
/// (a day of frames took 12-16 s here, and several files in flight deadlocked), so this
/// class frames the protocol itself: requests are queued with send(), written in batches,
/// and answered through callbacks from pump(). One thread only; callbacks may send() but
/// must not pump().
class SftpChannel {
public:
	struct Reply {
		SftpType type;
		std::uint32_t id;
		std::span<const std::uint8_t> body; ///< after type and id; valid during the callback only
	};
	using Callback = std::function<void(const Reply &)>;

	/// Speaks over \a transport; \a ioTimeout bounds every wait. Logs to \a log (spdlog's
	/// default logger when null).
	SftpChannel(std::unique_ptr<SftpTransport> transport, std::chrono::milliseconds ioTimeout,
		    std::shared_ptr<spdlog::logger> log = nullptr);
	~SftpChannel();
	SftpChannel(const SftpChannel &) = delete;
	SftpChannel &operator=(const SftpChannel &) = delete;

	/// Sends INIT, and asks for limits@openssh.com (the answer comes with the first
	/// requests': maxRead() is 32 KiB until then). With \a waitForVersion, waits for the
	/// server's VERSION; without, requests may follow INIT at once, a round trip saved, and
	/// VERSION is read before the first answer (versionKnown()).
	void start(bool waitForVersion = true);
	bool versionKnown() const { return !awaitingVersion_; }

	/// Every wait for the server looks at \a limits at least every RoundLimits::kCheckEvery:
	/// a stop request ends it with SshError(Stopped), the round's deadline with
	/// SshError(Overtime).
	void setLimits(RoundLimits limits) { limits_ = std::move(limits); }

	/// The transport's peer, for log lines.
	std::string peer() const { return transport_->peer(); }

	bool hasExtension(std::string_view name) const;
	/// Largest read the server serves in one reply (limits@openssh.com, else 32 KiB).
	std::uint32_t maxRead() const { return maxRead_; }
	/// The server said its largest read (limits@openssh.com). Then a read of at most that
	/// which comes back short has met the end of the file (SFTP v3, 6.4); without it, a
	/// short read may be a limit the server did not announce.
	bool maxReadKnown() const { return maxReadKnown_; }
	/// Most handles the server allows open at once, 0 if it did not say.
	std::uint64_t maxOpenHandles() const { return maxOpenHandles_; }

	/// Queues a request; the callback runs from pump() when its reply arrives.
	std::uint32_t send(SftpType type, const SftpPacket &body, Callback callback);
	/// Writes the queued requests to the channel.
	void flush();
	/// Flushes, then waits until at least one reply was handled: at most the I/O timeout
	/// from now, however the bytes of that reply trickle in. With \a wait, returns false
	/// when that passed with no reply.
	bool pump(std::optional<std::chrono::milliseconds> wait = std::nullopt);
	/// Requests sent and not yet answered.
	std::size_t outstanding() const { return pending_.size(); }
	/// Pumps until nothing is outstanding.
	void drain();

	/// Callbacks capture their caller's stack (fetch state, sinks). When a call is left by
	/// an exception, from a callback or elsewhere, the session is abandoned: every pending
	/// callback is dropped, never run, and any later use throws SshError(Dropped) so that
	/// the round reconnects. Callers that send() with callbacks hold one of these for as
	/// long as their state lives; pump() abandons on its own.
	class CallbackScope {
	public:
		explicit CallbackScope(SftpChannel &channel)
			: channel_(channel), exceptions_(std::uncaught_exceptions())
		{
		}
		~CallbackScope()
		{
			if (std::uncaught_exceptions() > exceptions_)
				channel_.abandon("an error while requests were in flight");
		}
		CallbackScope(const CallbackScope &) = delete;
		CallbackScope &operator=(const CallbackScope &) = delete;

	private:
		SftpChannel &channel_;
		int exceptions_;
	};
	/// Drops every pending callback and refuses any further use, naming \a why. Never
	/// throws: it runs while an exception unwinds.
	void abandon(const std::string &why) noexcept;
	bool abandoned() const { return abandoned_; }

	/// Throws SshError(Remote) for a STATUS reply other than OK (and EOF when \a eofOk).
	static void checkStatus(const Reply &reply, const std::string &what, bool eofOk = false);
	/// The status code of a STATUS reply (kSftpFailure for any other type).
	static std::uint32_t statusCode(const Reply &reply);

private:
	void throwIfAbandoned() const;
	bool dispatchBuffered();
	/// Reads VERSION if it is buffered whole; true once it was.
	bool takeVersion();
	/// Reads more into in_, waiting until \a deadline; throws SshError(Dropped) at the
	/// deadline, naming \a what; returns false at \a returnAt (before the deadline).
	bool readMore(SftpTransport::Clock::time_point deadline, const char *what,
		      SftpTransport::Clock::time_point returnAt = SftpTransport::Clock::time_point::max());

	std::unique_ptr<SftpTransport> transport_;
	std::chrono::milliseconds ioTimeout_;
	RoundLimits limits_;
	std::vector<std::uint8_t> out_;
	std::unique_ptr<std::uint8_t[]> in_;
	std::size_t inStart_ = 0;
	std::size_t inEnd_ = 0;
	std::uint32_t nextId_ = 1;
	/// Requests from this id on are queued in out_, not yet written: no answer can be theirs.
	std::uint32_t firstUnsentId_ = 1;
	std::unordered_map<std::uint32_t, Callback> pending_;
	std::vector<std::pair<std::string, std::string>> extensions_;
	std::uint32_t maxRead_ = 32768;
	bool maxReadKnown_ = false;
	std::uint64_t maxOpenHandles_ = 0;
	bool awaitingVersion_ = false;
	bool abandoned_ = false;
	std::string abandonedWhy_; ///< best effort: may stay empty if copying it failed
	std::shared_ptr<spdlog::logger> log_;
};

} // namespace lingercam::pull
