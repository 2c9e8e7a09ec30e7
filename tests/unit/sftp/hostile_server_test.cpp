// SPDX-License-Identifier: BSD-2-Clause
// What a broken or hostile camera host can send, and what the SFTP client does with it:
// fail the request or the round with a protocol error naming the bound, never grow memory,
// never put a server's control characters into a log line.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/sftp/fake_sftp_server.h"
#include "recording_sink.h"
#include "pull/sftp_channel.h"
#include "pull/sftp_remote_store.h"
#include "pull/sftp_replies.h"
#include "pull/ssh_error.h"

using lingercam::pull::FetchItem;
using lingercam::pull::FetchSink;
using lingercam::pull::SftpChannel;
using lingercam::pull::SftpRemoteStore;
using lingercam::pull::SshError;
using lingercam::test::FakeSftpServer;
using lingercam::test::RecordingSink;
using Packets = std::vector<std::vector<std::uint8_t>>;

namespace {

constexpr std::uint8_t kOpen = 3, kRead = 5, kReaddir = 12;

using Bytes = lingercam::test::SftpBytes;

class NullSink : public FetchSink {
public:
	void data(std::size_t, std::uint64_t, std::span<const std::uint8_t>) override {}
	void done(std::size_t) override { ++done_; }
	void failed(std::size_t, const std::string &reason, bool) override { reasons_.push_back(reason); }
	unsigned done_ = 0;
	std::vector<std::string> reasons_;
};

// A frame whose every byte says where it is.
std::string frameBytes(std::size_t size)
{
	std::string s(size, '\0');
	for (std::size_t i = 0; i < size; ++i)
		s[i] = static_cast<char>(i * 31 + i / 251);
	return s;
}

struct Client {
	FakeSftpServer *server;
	SftpChannel *channel;
	std::unique_ptr<SftpRemoteStore> store;
};

// \a maxRead is what the server announces in limits@openssh.com, and serves.
Client connect(std::uint64_t maxRead = 261120)
{
	auto owned = std::make_unique<FakeSftpServer>();
	FakeSftpServer *server = owned.get();
	server->maxRead = maxRead;
	server->files["store/2026/11/25/20261125T000000Z.jpg"] = frameBytes(100000);
	auto sftp = std::make_unique<SftpChannel>(std::move(owned), std::chrono::seconds(2));
	sftp->start();
	SftpChannel *channel = sftp.get();
	return { server, channel,
		 std::make_unique<SftpRemoteStore>(std::move(sftp), "store", lingercam::pull::FetchTuning{}) };
}

// Honest, but every READ gets one byte (DATA "x"), at once.
void answerEveryReadWithOneByte(FakeSftpServer &server)
{
	server.responder = [&server](const FakeSftpServer::Request &r) -> Packets {
		if (r.type != kRead)
			return server.answer(r);
		return { Bytes::packet(103, r.id).str("x").b };
	};
}

// Runs \a body, which must throw SshError of \a kind; returns its message.
template <typename F>
std::string sshError(SshError::Kind kind, F &&body)
{
	try {
		body();
	} catch (const SshError &e) {
		EXPECT_EQ(e.kind(), kind) << e.what();
		return e.what();
	}
	ADD_FAILURE() << "no SshError";
	return {};
}

template <typename F>
std::string protocolError(F &&body)
{
	return sshError(SshError::Kind::Protocol, std::forward<F>(body));
}

} // namespace

TEST(AHostileServer, CannotMakeTheClientRepeatAHugeHandle)
{
	// 1 MiB handles, repeated by every READ, once took the viewer to 4.1 GiB.
	Client c = connect();
	FakeSftpServer *server = c.server;
	server->responder = [server](const FakeSftpServer::Request &r) -> Packets {
		if (r.type == kOpen)
			return { Bytes().u8(102).u32(r.id).str(std::string(1 << 20, 'h')).b };
		return server->answer(r);
	};
	NullSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	std::string error = protocolError([&] { c.store->fetch(items, sink); });
	EXPECT_NE(error.find("a handle of 1048576 bytes (SFTP allows 256)"), std::string::npos) << error;
	EXPECT_EQ(server->requestsSeen[kRead], 0u);
}

TEST(AHostileServer, CannotKeepAFolderListingGoingForever)
{
	// READDIR replies that never end in EOF: 900 MiB and 7 million entries before.
	Client c = connect();
	FakeSftpServer *server = c.server;
	server->responder = [server](const FakeSftpServer::Request &r) -> Packets {
		if (r.type != kReaddir)
			return server->answer(r);
		Bytes names;
		names.u8(104).u32(r.id).u32(1000);
		for (int i = 0; i < 1000; ++i)
			names.str("20261125T000000Z.jpg").str("").u32(0);
		return { names.b };
	};
	std::string error = protocolError([&] { c.store->list("2026/11/25"); });
	EXPECT_NE(error.find("the listing passed 100000 entries"), std::string::npos) << error;
	// The READDIRs in flight when the limit is met are the only ones past it.
	EXPECT_LE(server->requestsSeen[kReaddir], 100u + lingercam::pull::SftpRemoteStore::kReaddirsAhead);
}

TEST(AHostileServer, CannotPutControlCharactersOrMegabytesIntoTheLog)
{
	Client c = connect();
	FakeSftpServer *server = c.server;
	std::string message = "\x1b[2J\x1b[31mpwned\r\n";
	message += std::string((4 << 20) - 64, 'A'); // a reply just under the 4 MiB packet cap
	server->responder = [server, message](const FakeSftpServer::Request &r) -> Packets {
		if (r.type == kOpen)
			return { Bytes().u8(101).u32(r.id).u32(4).str(message).str("en").b };
		return server->answer(r);
	};
	NullSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	c.store->fetch(items, sink);
	ASSERT_EQ(sink.reasons_.size(), 1u);
	const std::string &reason = sink.reasons_[0];
	EXPECT_LT(reason.size(), 400u) << reason.substr(0, 400);
	EXPECT_EQ(std::count_if(reason.begin(), reason.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }), 0)
		<< reason.substr(0, 400);
	EXPECT_NE(reason.find("\\x1b[2J\\x1b[31mpwned\\x0d\\x0a"), std::string::npos) << reason.substr(0, 400);
	EXPECT_NE(reason.find("..."), std::string::npos);
}

TEST(AHostileServer, CannotScrambleAFrameWithShortReads)
{
	// SFTP allows a short DATA mid-file. Before, the bytes after it reached the sink ahead of
	// the rest of the short read: a frame with 82,768 of 100,000 bytes wrong was committed.
	Client c = connect(8192); // 13 reads in flight for the frame
	FakeSftpServer *server = c.server;
	server->responder = [server](const FakeSftpServer::Request &r) -> Packets {
		Packets answer = server->answer(r);
		if (r.type == kRead && answer[0][0] == 103) { // DATA: keep the first 3,000 bytes only
			auto &p = answer[0];
			std::uint32_t n = (std::uint32_t(p[5]) << 24) | (std::uint32_t(p[6]) << 16) | (std::uint32_t(p[7]) << 8) | p[8];
			if (n > 3000) {
				p.resize(9 + 3000);
				p[5] = 0, p[6] = 0, p[7] = 3000 >> 8, p[8] = 3000 & 255;
			}
		}
		return answer;
	};
	RecordingSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	c.store->fetch(items, sink);
	EXPECT_EQ(sink.verdicts_[0], "done");
	EXPECT_TRUE(sink.bytes_[0] == frameBytes(100000)) << "the fetched frame differs from the camera's";
	EXPECT_GE(server->requestsSeen[kRead], 100000u / 3000); // the short answers were asked again
}

TEST(AHostileServer, CannotScrambleAFrameByAnsweringOutOfOrder)
{
	Client c = connect(4096); // 25 reads in flight for the frame, answered last first
	c.server->reverseReplies = true;
	RecordingSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	c.store->fetch(items, sink);
	EXPECT_EQ(sink.verdicts_[0], "done");
	EXPECT_TRUE(sink.bytes_[0] == frameBytes(100000)) << "the fetched frame differs from the camera's";
}

TEST(AHostileServer, CannotLivelockTheClientWithEmptyData)
{
	// An empty DATA made the client ask for the same bytes again, forever.
	Client c = connect();
	FakeSftpServer *server = c.server;
	server->responder = [server](const FakeSftpServer::Request &r) -> Packets {
		if (r.type == kRead)
			return { Bytes().u8(103).u32(r.id).str("").b };
		return server->answer(r);
	};
	NullSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	std::string error = protocolError([&] { c.store->fetch(items, sink); });
	EXPECT_NE(error.find("the server sent no bytes at offset 0 instead of data or end of file"), std::string::npos)
		<< error;
	EXPECT_LE(server->requestsSeen[kRead], 2u);
}

TEST(AHostileServer, CannotStallAReadWithAnOkStatus)
{
	// An OK STATUS to a READ was dropped: the client then waited out io_timeout every round.
	Client c = connect();
	FakeSftpServer *server = c.server;
	server->responder = [server](const FakeSftpServer::Request &r) -> Packets {
		if (r.type == kRead)
			return { Bytes().u8(101).u32(r.id).u32(0).str("").str("").b };
		return server->answer(r);
	};
	NullSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	std::string error = protocolError([&] { c.store->fetch(items, sink); });
	EXPECT_NE(error.find("the server answered a read with OK and no data"), std::string::npos) << error;
}

TEST(AHostileServer, CannotHoldARoundOpenPastAStopRequest)
{
	// A server that stops answering leaves the client waiting out io_timeout (here 2 s);
	// a stop request (systemctl stop) ends the wait at the next check instead.
	Client c = connect();
	FakeSftpServer *server = c.server;
	server->responder = [server](const FakeSftpServer::Request &r) -> Packets {
		if (r.type == kRead)
			return {};
		return server->answer(r);
	};
	std::atomic<bool> stop{ false };
	unsigned asked = 0;
	lingercam::pull::RoundLimits limits;
	limits.stopRequested = [&] {
		++asked;
		stop = asked >= 2; // the second check comes a slice later: "stop now"
		return stop.load();
	};
	c.channel->setLimits(limits);
	NullSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	const std::string error = sshError(SshError::Kind::Stopped, [&] { c.store->fetch(items, sink); });
	EXPECT_NE(error.find("a stop was requested"), std::string::npos) << error;
	EXPECT_EQ(asked, 2u);
}

TEST(AHostileServer, CannotStretchOneAnswerByTricklingItsBytes)
{
	// One byte every 300 ms keeps the connection busy, but no answer completes within
	// io_timeout (2 s): the wait for it is one deadline, not one per byte.
	Client c = connect();
	c.server->trickle = std::chrono::milliseconds(300);
	RecordingSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	const std::string error = sshError(SshError::Kind::Dropped, [&] { c.store->fetch(items, sink); });
	EXPECT_NE(error.find("no complete answer within io_timeout=2s"), std::string::npos) << error;
	EXPECT_TRUE(sink.verdicts_.empty());
}

TEST(AHostileServer, CannotHoldARoundOpenByAnsweringJustInTime)
{
	// Every answer comes in time, but each READ gets one byte: a 100 KB frame would take
	// days. The round's deadline ends it, whatever the answers look like.
	Client c = connect();
	FakeSftpServer *server = c.server;
	answerEveryReadWithOneByte(*server);
	server->trickle = std::chrono::milliseconds(2);
	c.channel->setLimits(lingercam::pull::RoundLimits::startingNow({}, std::chrono::milliseconds(1500)));
	RecordingSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	const std::string error = sshError(SshError::Kind::Overtime, [&] { c.store->fetch(items, sink); });
	EXPECT_NE(error.find("the round passed round_timeout=1500ms"), std::string::npos) << error;
	EXPECT_TRUE(sink.verdicts_.empty());
	EXPECT_GT(server->requestsSeen[kRead], 2u) << "the server did answer, one byte at a time";
}

TEST(AHostileServer, CannotMakeTheClientHoldAFileByWithholdingItsFirstBytes)
{
	// The server answers every READ but the first: the answers after it cannot reach the
	// sink and are parked. They count as bytes in flight, so no more is requested than
	// maxInFlight allows, and the wait for the missing answer ends at io_timeout.
	auto owned = std::make_unique<FakeSftpServer>();
	FakeSftpServer *server = owned.get();
	server->maxRead = 65536;
	server->files["store/2026/11/25/20261125T000000Z.jpg"] = frameBytes(8u << 20);
	bool withheld = false;
	server->responder = [server, &withheld](const FakeSftpServer::Request &r) -> Packets {
		if (r.type == kRead && !withheld) {
			withheld = true;
			return {};
		}
		return server->answer(r);
	};
	auto sftp = std::make_unique<SftpChannel>(std::move(owned), std::chrono::seconds(2));
	sftp->start();
	lingercam::pull::FetchTuning tuning;
	tuning.maxInFlight = 1u << 20;
	SftpRemoteStore store(std::move(sftp), "store", tuning);
	RecordingSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 8u << 20, 0 } };
	sshError(SshError::Kind::Dropped, [&] { store.fetch(items, sink); });
	EXPECT_LE(server->requestsSeen[kRead], (1u << 20) / 65536 + 1) << "reads past maxInFlight were sent";
	EXPECT_TRUE(sink.verdicts_.empty());
}

TEST(AHostileServer, CannotHoldOffAStopByAnsweringEveryReadWithAByte)
{
	// Answers keep coming, one byte each, without a pause: the stop request is still seen.
	Client c = connect();
	answerEveryReadWithOneByte(*c.server);
	unsigned asked = 0;
	lingercam::pull::RoundLimits limits;
	limits.stopRequested = [&] { return ++asked > 50; };
	c.channel->setLimits(limits);
	NullSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 } };
	sshError(SshError::Kind::Stopped, [&] { c.store->fetch(items, sink); });
}

TEST(AServerThatHidesItsReadLimit, CannotPassOffAFilePrefixAsTheWholeFile)
{
	// No limits@openssh.com, but every READ is cut at 4096 bytes; the file is 10,000 bytes
	// and the listing (out of date) says 4096. The first read ends short right at the
	// listed size: without a read limit said, that proves nothing, so the client asks past
	// the end, finds more, and fails the file instead of taking 4096 bytes as all of it.
	auto owned = std::make_unique<FakeSftpServer>();
	FakeSftpServer *server = owned.get();
	server->maxRead = 0;
	server->readCap = 4096;
	server->files["store/2026/11/25/20261125T000000Z.jpg"] = frameBytes(10000);
	auto sftp = std::make_unique<SftpChannel>(std::move(owned), std::chrono::seconds(2));
	sftp->start();
	SftpRemoteStore store(std::move(sftp), "store", lingercam::pull::FetchTuning{});
	RecordingSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 4096, 0 } };
	store.fetch(items, sink);
	ASSERT_EQ(sink.verdicts_.count(0), 1u);
	EXPECT_NE(sink.verdicts_[0].find("file grew while being fetched"), std::string::npos) << sink.verdicts_[0];
}

TEST(AnSftpSession, IsAbandonedWhenACallbackThrowsAndNeverRunsItsOtherCallbacks)
{
	// The sink throws mid-fetch (a full disk) while other reads are in flight. Their
	// callbacks point into the fetch that is being unwound: they must never run, and the
	// session must refuse further use, so the round reconnects.
	Client c = connect();
	c.server->files["store/2026/11/25/20261125T000100Z.jpg"] = frameBytes(100000);
	class ThrowingSink : public NullSink {
	public:
		void data(std::size_t, std::uint64_t, std::span<const std::uint8_t>) override
		{
			throw std::runtime_error("No space left on device");
		}
	} sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 100000, 0 },
				      { "2026/11/25/20261125T000100Z.jpg", 100000, 0 } };
	EXPECT_THROW(c.store->fetch(items, sink), std::runtime_error);
	EXPECT_TRUE(c.channel->abandoned());
	EXPECT_EQ(c.channel->outstanding(), 0u) << "callbacks into the unwound fetch were kept";
	const std::string error = sshError(SshError::Kind::Dropped, [&] { c.store->list("2026/11/25"); });
	EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
}

TEST(SftpReplies, RefuseANameCountTheBytesCannotHold)
{
	auto body = Bytes().u32(0xffffffffu).b;
	std::string error = protocolError([&] { lingercam::pull::sftp::parseNames(body); });
	EXPECT_NE(error.find("NAME says 4294967295 entries in 4 bytes"), std::string::npos) << error;
}

TEST(SftpReplies, RefuseATruncatedStatusAndAcceptOneWithoutMessage)
{
	auto truncated = Bytes().u8(0).b;
	protocolError([&] { lingercam::pull::sftp::parseStatus(truncated); });
	auto bare = Bytes().u32(4).b;
	auto status = lingercam::pull::sftp::parseStatus(bare);
	EXPECT_EQ(status.code, 4u);
	EXPECT_EQ(status.message, "");
}

TEST(SftpReplies, MakeServerTextSafeForOneLogLine)
{
	using lingercam::pull::sftp::safeText;
	EXPECT_EQ(safeText("No such file"), "No such file");
	EXPECT_EQ(safeText("a\x1b[0mb\\c\x7f\xc3\xa9"), "a\\x1b[0mb\\\\c\\x7f\\xc3\\xa9");
	EXPECT_EQ(safeText(std::string(500, 'x'), 10), "xxxxxxxxxx...");
	EXPECT_EQ(safeText(""), "");
}

TEST(SftpReplies, RefuseTooManyExtensions)
{
	Bytes version;
	version.u32(3);
	for (int i = 0; i < 65; ++i)
		version.str("x@example.com").str("1");
	std::string error = protocolError([&] { lingercam::pull::sftp::parseVersion(version.b); });
	EXPECT_NE(error.find("more than 64 extensions"), std::string::npos) << error;
}
