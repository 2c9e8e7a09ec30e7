// SPDX-License-Identifier: MIT
// What a broken or hostile camera host can send, and what the SFTP client does with it:
// fail the request or the round with a protocol error naming the bound, never grow memory,
// never put a server's control characters into a log line.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "fake_sftp_server.h"
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
using Packets = std::vector<std::vector<std::uint8_t>>;

namespace {

constexpr std::uint8_t kOpen = 3, kRead = 5, kReaddir = 12;

struct Bytes {
	std::vector<std::uint8_t> b;
	Bytes &u8(std::uint8_t v) { b.push_back(v); return *this; }
	Bytes &u32(std::uint32_t v)
	{
		for (int s = 24; s >= 0; s -= 8)
			b.push_back(static_cast<std::uint8_t>(v >> s));
		return *this;
	}
	Bytes &str(std::string_view s)
	{
		u32(static_cast<std::uint32_t>(s.size()));
		b.insert(b.end(), s.begin(), s.end());
		return *this;
	}
};

class NullSink : public FetchSink {
public:
	void data(std::size_t, std::uint64_t, std::span<const std::uint8_t>) override {}
	void done(std::size_t) override { ++done_; }
	void failed(std::size_t, const std::string &reason, bool) override { reasons_.push_back(reason); }
	unsigned done_ = 0;
	std::vector<std::string> reasons_;
};

struct Client {
	FakeSftpServer *server;
	std::unique_ptr<SftpRemoteStore> store;
};

Client connect()
{
	auto owned = std::make_unique<FakeSftpServer>();
	FakeSftpServer *server = owned.get();
	server->files["store/2026/11/25/20261125T000000Z.jpg"] = std::string(100000, 'j');
	auto sftp = std::make_unique<SftpChannel>(std::move(owned), std::chrono::seconds(2));
	sftp->start();
	return { server, std::make_unique<SftpRemoteStore>(std::move(sftp), "store", lingercam::pull::FetchTuning{}) };
}

// Runs \a body, which must throw SshError(Protocol); returns its message.
template <typename F>
std::string protocolError(F &&body)
{
	try {
		body();
	} catch (const SshError &e) {
		EXPECT_EQ(e.kind(), SshError::Kind::Protocol) << e.what();
		return e.what();
	}
	ADD_FAILURE() << "no SshError";
	return {};
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
	EXPECT_LE(server->requestsSeen[kReaddir], 101u);
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
