// SPDX-License-Identifier: BSD-2-Clause
// The SFTP client with no SSH under it: SftpRemoteStore over an in-memory server, through
// the transport seam (the same requests it sends to OpenSSH's sftp-server).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/sftp/fake_sftp_server.h"
#include "recording_sink.h"
#include "pull/memory_budget.h"
#include "pull/sftp_channel.h"
#include "pull/sftp_remote_store.h"
#include "pull/ssh_error.h"

using lingercam::pull::EntryType;
using lingercam::pull::FetchItem;
using lingercam::pull::FetchSink;
using lingercam::pull::SftpChannel;
using lingercam::pull::SftpRemoteStore;
using lingercam::test::FakeSftpServer;
using lingercam::test::RecordingSink;

namespace {

std::string frameOf(std::size_t size, char seed)
{
	std::string s(size, '\0');
	for (std::size_t i = 0; i < size; ++i)
		s[i] = static_cast<char>(seed + i * 7 % 251);
	return s;
}

struct Fixture {
	FakeSftpServer *server = nullptr;
	std::unique_ptr<SftpRemoteStore> store;
};

// The server is set up by \a fill before the client starts (it answers INIT with it).
Fixture connect(const std::function<void(FakeSftpServer &)> &fill = {})
{
	auto server = std::make_unique<FakeSftpServer>();
	if (fill)
		fill(*server);
	Fixture f;
	f.server = server.get();
	auto sftp = std::make_unique<SftpChannel>(std::move(server), std::chrono::seconds(2));
	sftp->start();
	f.store = std::make_unique<SftpRemoteStore>(std::move(sftp), "/home/pi/lingercam", lingercam::pull::FetchTuning{});
	return f;
}

} // namespace

TEST(ASftpRemoteStore, FetchesEveryFileByteForByteWithoutSsh)
{
	const std::vector<std::size_t> sizes{ 0, 1, 4095, 261120, 261121, 600000, 250000 };
	auto f = connect([&](FakeSftpServer &s) {
		for (std::size_t i = 0; i < sizes.size(); ++i)
			s.files["home/pi/lingercam/2026/11/25/" + std::to_string(i) + ".jpg"] = frameOf(sizes[i], char('a' + i));
	});
	std::vector<FetchItem> items;
	for (std::size_t i = 0; i < sizes.size(); ++i)
		items.push_back({ "2026/11/25/" + std::to_string(i) + ".jpg", sizes[i], 0 });
	RecordingSink sink;
	f.store->fetch(items, sink);
	for (std::size_t i = 0; i < sizes.size(); ++i) {
		EXPECT_EQ(sink.verdicts_[i], "done") << items[i].path;
		EXPECT_EQ(sink.bytes_[i], frameOf(sizes[i], char('a' + i))) << items[i].path;
	}
	// Files over the server's max-read came in several reads; every handle was closed.
	EXPECT_GE(f.server->requestsSeen[5], sizes.size() + 2);
	EXPECT_EQ(f.server->requestsSeen[4], sizes.size());
}

namespace {

/// Fetches four files of 600,000 bytes with \a budget; returns the most of the budget still
/// held by other reads while a reply was being delivered (its own is given back first).
std::uint64_t heldWhileDelivering(lingercam::pull::MemoryBudget &budget)
{
	auto server = std::make_unique<FakeSftpServer>();
	for (int i = 0; i < 4; ++i)
		server->files["home/pi/lingercam/" + std::to_string(i) + ".jpg"] = frameOf(600000, char('a' + i));
	auto sftp = std::make_unique<SftpChannel>(std::move(server), std::chrono::seconds(2));
	sftp->start();
	lingercam::pull::FetchTuning tuning;
	tuning.budget = &budget;
	SftpRemoteStore store(std::move(sftp), "/home/pi/lingercam", tuning);
	struct Watching : RecordingSink {
		lingercam::pull::MemoryBudget *budget = nullptr;
		std::uint64_t most = 0;
		void data(std::size_t index, std::uint64_t offset, std::span<const std::uint8_t> bytes) override
		{
			most = std::max(most, budget->used());
			RecordingSink::data(index, offset, bytes);
		}
	} sink;
	sink.budget = &budget;
	std::vector<FetchItem> items;
	for (int i = 0; i < 4; ++i)
		items.push_back({ std::to_string(i) + ".jpg", 600000, 0 });
	store.fetch(items, sink);
	for (std::size_t i = 0; i < 4; ++i) {
		EXPECT_EQ(sink.verdicts_[i], "done");
		EXPECT_EQ(sink.bytes_[i], frameOf(600000, char('a' + i)));
	}
	return sink.most;
}

} // namespace

TEST(ASftpRemoteStore, KeepsItsReadsInFlightWithinTheDaemonsMemoryBudget)
{
	// With room, many reads of 255 KiB are in flight at once.
	lingercam::pull::MemoryBudget roomy(64u << 20);
	EXPECT_GE(heldWhileDelivering(roomy), 2u * 261120u);
	EXPECT_EQ(roomy.used(), 0u);
	// With room for one, the store asks for one at a time (it never stalls: a store with
	// nothing in flight always gets one), and gives all of it back.
	lingercam::pull::MemoryBudget tight(300000);
	EXPECT_EQ(heldWhileDelivering(tight), 0u) << "a second read was in flight past the budget";
	EXPECT_EQ(tight.used(), 0u);
}

TEST(ASftpRemoteStore, ResumesAFileFromItsOffset)
{
	auto f = connect([](FakeSftpServer &s) { s.files["home/pi/lingercam/a.jpg"] = frameOf(1000, 'x'); });
	RecordingSink sink;
	sink.bytes_[0] = frameOf(1000, 'x').substr(0, 400);
	std::vector<FetchItem> items{ { "a.jpg", 1000, 400 } };
	f.store->fetch(items, sink);
	EXPECT_EQ(sink.verdicts_[0], "done");
	EXPECT_EQ(sink.bytes_[0], frameOf(1000, 'x'));
}

TEST(ASftpRemoteStore, SaysAFileIsGoneWhenTheServerHasNoSuchFile)
{
	auto f = connect();
	RecordingSink sink;
	std::vector<FetchItem> items{ { "2026/11/25/20261125T000000Z.jpg", 10, 0 } };
	f.store->fetch(items, sink);
	EXPECT_EQ(sink.verdicts_[0].rfind("gone: ", 0), 0u) << sink.verdicts_[0];
}

TEST(ASftpRemoteStore, ListsAFolderAcrossSeveralReplies)
{
	auto f = connect([](FakeSftpServer &s) {
		s.namesPerReply = 3;
		for (int m = 0; m < 10; ++m)
			s.files["home/pi/lingercam/2026/11/25/f" + std::to_string(m) + ".jpg"] = "jpeg";
		s.links["home/pi/lingercam/latest.jpg"] = "2026/11/25/f9.jpg";
	});
	auto day = f.store->list("2026/11/25");
	ASSERT_TRUE(day.has_value());
	std::vector<std::string> names;
	for (const auto &e : *day)
		if (e.name != "." && e.name != "..") {
			names.push_back(e.name);
			EXPECT_EQ(e.type, EntryType::Regular);
			EXPECT_EQ(e.size, 4u);
		}
	EXPECT_EQ(names.size(), 10u);
	auto root = f.store->list("");
	ASSERT_TRUE(root.has_value());
	bool sawLink = false;
	for (const auto &e : *root)
		sawLink |= e.name == "latest.jpg" && e.type == EntryType::Symlink;
	EXPECT_TRUE(sawLink);
	EXPECT_FALSE(f.store->list("2026/12").has_value());
}

TEST(ASftpRemoteStore, ReadsLinksAndStatsSeveralPathsAtOnce)
{
	auto f = connect([](FakeSftpServer &s) {
		s.files["home/pi/lingercam/2026/11/25/a.jpg"] = "12345";
		s.links["home/pi/lingercam/latest.jpg"] = "2026/11/25/a.jpg";
	});
	EXPECT_EQ(f.store->readLink("latest.jpg"), "2026/11/25/a.jpg");
	EXPECT_FALSE(f.store->readLink("nothing.jpg").has_value());
	auto stats = f.store->lstatMany({ "2026/11/25/a.jpg", "2026/11/25/b.jpg", "latest.jpg" });
	ASSERT_EQ(stats.size(), 3u);
	ASSERT_TRUE(stats[0].has_value());
	EXPECT_EQ(stats[0]->size, 5u);
	EXPECT_EQ(stats[0]->name, "a.jpg");
	EXPECT_FALSE(stats[1].has_value());
	ASSERT_TRUE(stats[2].has_value());
	EXPECT_EQ(stats[2]->type, EntryType::Symlink);
	EXPECT_EQ(f.store->describe(), "fake-sftp:/home/pi/lingercam");
}

// A key paired with lingercam-install --pair may not send REMOVE: a temporary file opened
// ahead and not needed is closed and kept, and the next write goes through it.
TEST(ASftpRemoteStore, NeverRemovesTheTemporaryFileOfAWriteThatDidNotFollow)
{
	constexpr std::uint8_t kRemove = 13;
	auto f = connect();
	const std::string tmp = "home/pi/lingercam/.pulled.viewer.tmp";
	f.store->prepareWrite(".pulled.viewer");
	while (f.store->busy())
		f.store->pump();
	f.store->unprepareWrite(".pulled.viewer"); // opened: closed, kept
	while (f.store->busy())
		f.store->pump();
	EXPECT_EQ(f.server->files.count(tmp), 1u);
	f.store->prepareWrite(".pulled.viewer");
	f.store->unprepareWrite(".pulled.viewer"); // still opening: closed once open, kept
	while (f.store->busy())
		f.store->pump();
	f.store->writeFile(".pulled.viewer", "20261125T120000Z\n");
	EXPECT_EQ(f.server->requestsSeen[kRemove], 0u);
	EXPECT_EQ(f.server->files.count(tmp), 0u) << "the write renamed it away";
	EXPECT_EQ(f.server->files["home/pi/lingercam/.pulled.viewer"], "20261125T120000Z\n");
}

TEST(ASftpChannel, NamesTheDeadlineWhenTheServerNeverAnswers)
{
	auto owned = std::make_unique<FakeSftpServer>();
	FakeSftpServer *server = owned.get();
	SftpChannel sftp(std::move(owned), std::chrono::milliseconds(200));
	sftp.start();
	server->responder = [](const FakeSftpServer::Request &) { return std::vector<std::vector<std::uint8_t>>{}; };
	try {
		sftp.send(lingercam::pull::SftpType::Readlink, lingercam::pull::SftpPacket().string("latest.jpg"), {});
		sftp.drain();
		FAIL() << "no exception";
	} catch (const lingercam::pull::SshError &e) {
		EXPECT_EQ(e.kind(), lingercam::pull::SshError::Kind::Dropped);
		EXPECT_NE(std::string(e.what()).find("no complete answer within io_timeout=200ms"), std::string::npos) << e.what();
	}
}
