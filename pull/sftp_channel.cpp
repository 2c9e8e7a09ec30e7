// SPDX-License-Identifier: BSD-2-Clause
// The SFTP v3 client: packets, requests and replies over one transport (see sftp_channel.h).
#include "sftp_channel.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include <spdlog/spdlog.h>

#include "sftp_replies.h"
#include "ssh_error.h"

namespace lingercam::pull {

namespace {

constexpr std::uint32_t kSftpVersion = 3;
/// Largest reply accepted; OpenSSH's limit is 256 KiB, anything far beyond is hostile.
constexpr std::size_t kMaxPacket = 4 << 20;
/// What each channel read asks libssh for. libssh keeps the SSH window at this or at its
/// own 1.28 MB, whichever is larger: enough for 50 Mbit/s at 200 ms. Per connection, so it
/// stays small: 20 sources hold 20 of these (bench/pull/bench_sources.sh).
constexpr std::size_t kReadRequest = 1 << 20;
/// The input buffer: a whole largest packet, and room for one read after it. Left
/// uninitialised, and the unread rest moved to its start before every read, so only about
/// one read's worth is ever touched unless the server sends a packet that large.
constexpr std::size_t kInputSize = kMaxPacket + kReadRequest;


constexpr std::uint32_t kAttrSize = 0x01;
constexpr std::uint32_t kAttrUidGid = 0x02;
constexpr std::uint32_t kAttrPermissions = 0x04;
constexpr std::uint32_t kAttrTimes = 0x08;
constexpr std::uint32_t kAttrExtended = 0x80000000u;

void putU32(std::vector<std::uint8_t> &out, std::uint32_t v)
{
	out.push_back(static_cast<std::uint8_t>(v >> 24));
	out.push_back(static_cast<std::uint8_t>(v >> 16));
	out.push_back(static_cast<std::uint8_t>(v >> 8));
	out.push_back(static_cast<std::uint8_t>(v));
}

std::uint32_t getU32(const std::uint8_t *p)
{
	return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

const char *statusName(std::uint32_t code)
{
	switch (code) {
	case kSftpOk: return "ok";
	case kSftpEof: return "end of file";
	case kSftpNoSuchFile: return "no such file";
	case kSftpPermissionDenied: return "permission denied";
	case kSftpFailure: return "failure";
	case 5: return "bad message";
	case 6: return "no connection";
	case 7: return "connection lost";
	case kSftpOpUnsupported: return "operation unsupported";
	default: return "unknown status";
	}
}

} // namespace

SftpPacket &SftpPacket::u32(std::uint32_t v)
{
	putU32(data_, v);
	return *this;
}

SftpPacket &SftpPacket::u64(std::uint64_t v)
{
	putU32(data_, static_cast<std::uint32_t>(v >> 32));
	putU32(data_, static_cast<std::uint32_t>(v));
	return *this;
}

SftpPacket &SftpPacket::string(std::string_view s)
{
	putU32(data_, static_cast<std::uint32_t>(s.size()));
	data_.insert(data_.end(), s.begin(), s.end());
	return *this;
}

SftpPacket &SftpPacket::bytes(std::span<const std::uint8_t> s)
{
	putU32(data_, static_cast<std::uint32_t>(s.size()));
	data_.insert(data_.end(), s.begin(), s.end());
	return *this;
}

void SftpReader::need(std::size_t n) const
{
	if (data_.size() - pos_ < n)
		throwSsh(SshError::Kind::Protocol, 0, "malformed SFTP reply", "truncated field");
}

std::uint32_t SftpReader::u32()
{
	need(4);
	std::uint32_t v = getU32(data_.data() + pos_);
	pos_ += 4;
	return v;
}

std::uint64_t SftpReader::u64()
{
	std::uint64_t high = u32();
	return high << 32 | u32();
}

std::span<const std::uint8_t> SftpReader::bytes()
{
	std::uint32_t n = u32();
	need(n);
	auto out = data_.subspan(pos_, n);
	pos_ += n;
	return out;
}

std::string_view SftpReader::string()
{
	auto b = bytes();
	return { reinterpret_cast<const char *>(b.data()), b.size() };
}

SftpAttrs SftpReader::attrs()
{
	SftpAttrs a;
	std::uint32_t flags = u32();
	if (flags & kAttrSize) {
		a.hasSize = true;
		a.size = u64();
	}
	if (flags & kAttrUidGid) {
		u32();
		u32();
	}
	if (flags & kAttrPermissions) {
		a.hasPermissions = true;
		a.permissions = u32();
	}
	if (flags & kAttrTimes) {
		a.hasTimes = true;
		u32(); // atime
		a.mtime = u32();
	}
	if (flags & kAttrExtended) {
		std::uint32_t count = u32();
		for (std::uint32_t i = 0; i < count; ++i) {
			bytes();
			bytes();
		}
	}
	return a;
}

SftpChannel::SftpChannel(std::unique_ptr<SftpTransport> transport, std::chrono::milliseconds ioTimeout,
			 std::shared_ptr<spdlog::logger> log)
	: transport_(std::move(transport)), ioTimeout_(ioTimeout), in_(std::make_unique_for_overwrite<std::uint8_t[]>(kInputSize)),
	  log_(log ? std::move(log) : spdlog::default_logger())
{
}

SftpChannel::~SftpChannel() = default;

bool SftpChannel::readMore(SftpTransport::Clock::time_point deadline, const char *what,
			   SftpTransport::Clock::time_point returnAt)
{
	if (inStart_ > 0) { // at most a partial packet: usually far less than a read
		std::memmove(in_.get(), in_.get() + inStart_, inEnd_ - inStart_);
		inEnd_ -= inStart_;
		inStart_ = 0;
	}
	for (;;) {
		// Before every read, not only after an empty one: a server that keeps sending
		// (one byte per answer, quickly) must not hold off a stop or the round's deadline.
		limits_.check(what);
		// Waits in slices, so that a stop request ends even a wait for a silent server soon.
		std::size_t n = transport_->read(std::span(in_.get() + inEnd_, std::min(kReadRequest, kInputSize - inEnd_)),
						 limits_.slice(std::min(deadline, returnAt)));
		if (n > 0) {
			inEnd_ += n;
			return true;
		}
		const auto now = SftpTransport::Clock::now();
		if (now >= deadline)
			throwSsh(SshError::Kind::Dropped, 0, what, "no complete answer within io_timeout=" + configDuration(ioTimeout_));
		if (now >= returnAt)
			return false;
	}
}

void SftpChannel::start(bool waitForVersion)
{
	std::vector<std::uint8_t> init;
	putU32(init, 5);
	init.push_back(static_cast<std::uint8_t>(SftpType::Init));
	putU32(init, kSftpVersion);
	out_.insert(out_.end(), init.begin(), init.end());
	awaitingVersion_ = true;
	// The limits are asked for at once, whether the server offers the extension or not (it
	// answers "unsupported" then): the answer comes with the first requests', and nothing
	// waits for it. Until then reads are at most 32 KiB, which every server serves.
	send(SftpType::Extended, SftpPacket().string("limits@openssh.com"), [this](const Reply &reply) {
		if (reply.type != SftpType::ExtendedReply)
			return;
		sftp::Limits limits = sftp::parseLimits(reply.body);
		maxOpenHandles_ = limits.maxOpenHandles;
		if (limits.maxRead >= 4096) {
			maxRead_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(limits.maxRead, kMaxPacket - 1024));
			maxReadKnown_ = true;
		}
		log_->debug("sftp limits max_read={} max_handles={}", maxRead_, maxOpenHandles_);
	});
	if (!waitForVersion)
		return; // the first pump() sends INIT and reads VERSION before any answer
	flush();
	const auto deadline = SftpTransport::Clock::now() + ioTimeout_;
	while (!takeVersion())
		readMore(deadline, "start SFTP");
}

bool SftpChannel::takeVersion()
{
	// VERSION has no request id: it comes before any answer to a request.
	if (inEnd_ - inStart_ < 4)
		return false;
	std::uint32_t len = getU32(in_.get() + inStart_);
	if (len < 5 || len > kMaxPacket)
		throwSsh(SshError::Kind::Protocol, 0, "start SFTP", "bad VERSION packet");
	if (inEnd_ - inStart_ < 4 + len)
		return false;
	std::span<const std::uint8_t> typeAndRest = std::span(in_.get() + inStart_ + 4, len);
	if (typeAndRest[0] != static_cast<std::uint8_t>(SftpType::Version))
		throwSsh(SshError::Kind::Protocol, 0, "start SFTP", "the server did not answer INIT with VERSION");
	sftp::VersionReply version = sftp::parseVersion(typeAndRest.subspan(1));
	if (version.version < kSftpVersion)
		throwSsh(SshError::Kind::Protocol, 0, "start SFTP", "server speaks SFTP " + std::to_string(version.version));
	extensions_ = std::move(version.extensions);
	inStart_ += 4 + len;
	awaitingVersion_ = false;
	log_->debug("sftp started version={} extensions={}", version.version, extensions_.size());
	return true;
}

bool SftpChannel::hasExtension(std::string_view name) const
{
	for (const auto &e : extensions_)
		if (e.first == name)
			return true;
	return false;
}

void SftpChannel::abandon(const std::string &why) noexcept
{
	pending_.clear();
	out_.clear();
	if (abandoned_)
		return;
	abandoned_ = true;
	try {
		abandonedWhy_ = why;
	} catch (...) { // out of memory: the session is refused all the same
	}
}

void SftpChannel::throwIfAbandoned() const
{
	if (abandoned_)
		throwSsh(SshError::Kind::Dropped, 0, "use the SFTP session",
			 "it was abandoned after " + (abandonedWhy_.empty() ? std::string("an error") : abandonedWhy_) +
				 "; a new connection is needed");
}

std::uint32_t SftpChannel::send(SftpType type, const SftpPacket &body, Callback callback)
{
	throwIfAbandoned();
	std::uint32_t id = nextId_++;
	if (nextId_ == 0)
		nextId_ = 1;
	putU32(out_, static_cast<std::uint32_t>(body.data().size() + 5));
	out_.push_back(static_cast<std::uint8_t>(type));
	putU32(out_, id);
	out_.insert(out_.end(), body.data().begin(), body.data().end());
	pending_.emplace(id, std::move(callback));
	return id;
}

void SftpChannel::flush()
{
	if (out_.empty())
		return;
	transport_->write(out_);
	out_.clear();
	firstUnsentId_ = nextId_;
}

bool SftpChannel::dispatchBuffered()
{
	if (awaitingVersion_ && !takeVersion())
		return false;
	bool any = false;
	while (inEnd_ - inStart_ >= 4) {
		std::uint32_t len = getU32(in_.get() + inStart_);
		if (len < 5 || len > kMaxPacket)
			throwSsh(SshError::Kind::Protocol, 0, "read SFTP reply", "packet length " + std::to_string(len));
		if (inEnd_ - inStart_ < 4 + std::size_t(len))
			break;
		const std::uint8_t *p = in_.get() + inStart_ + 4;
		Reply reply{ static_cast<SftpType>(p[0]), getU32(p + 1), std::span(p + 5, len - 5) };
		inStart_ += 4 + len;
		// Unsigned distance: ids wrap (0 is skipped; no wait spans 4 billion requests).
		if (reply.id - firstUnsentId_ < nextId_ - firstUnsentId_)
			throwSsh(SshError::Kind::Protocol, 0, "read SFTP reply",
				 "answer to a request not sent yet id=" + std::to_string(reply.id));
		auto it = pending_.find(reply.id);
		if (it == pending_.end())
			throwSsh(SshError::Kind::Protocol, 0, "read SFTP reply",
				 "answer to a request never sent id=" + std::to_string(reply.id));
		Callback callback = std::move(it->second);
		pending_.erase(it);
		if (callback)
			callback(reply);
		any = true;
	}
	if (inStart_ == inEnd_)
		inStart_ = inEnd_ = 0;
	return any;
}

bool SftpChannel::pump(std::optional<std::chrono::milliseconds> wait)
{
	throwIfAbandoned();
	try {
		flush();
		if (dispatchBuffered())
			return true;
		const auto now = SftpTransport::Clock::now();
		const auto deadline = now + ioTimeout_;
		const auto returnAt = wait ? now + *wait : SftpTransport::Clock::time_point::max();
		do
			if (!readMore(deadline, "read from the server", returnAt))
				return false;
		while (!dispatchBuffered());
		return true;
	} catch (const std::exception &e) {
		// The stream may be mid-packet and callbacks may point into frames being unwound.
		std::string why;
		try {
			why = std::string("an error: ") + e.what();
		} catch (...) { // out of memory: abandon all the same
		}
		abandon(why);
		throw;
	} catch (...) {
		abandon("an error");
		throw;
	}
}

void SftpChannel::drain()
{
	while (!pending_.empty())
		pump();
}

std::uint32_t SftpChannel::statusCode(const Reply &reply)
{
	if (reply.type != SftpType::Status)
		return kSftpFailure;
	return sftp::parseStatus(reply.body).code;
}

void SftpChannel::checkStatus(const Reply &reply, const std::string &what, bool eofOk)
{
	if (reply.type != SftpType::Status)
		throwSsh(SshError::Kind::Protocol, 0, what, "unexpected reply type " + std::to_string(int(reply.type)));
	sftp::Status status = sftp::parseStatus(reply.body);
	if (status.code == kSftpOk || (eofOk && status.code == kSftpEof))
		return;
	throwSsh(SshError::Kind::Remote, static_cast<int>(status.code), what,
		 std::string(statusName(status.code)) + (status.message.empty() ? "" : " (" + status.message + ")"));
}

} // namespace lingercam::pull
