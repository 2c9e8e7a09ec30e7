// SPDX-License-Identifier: BSD-2-Clause
// Integration tests of lingercam-pull against a real OpenSSH sshd on loopback.
#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/store.h"
#include "pull/pull_service.h"
#include "pull/pull_status.h"
#include "pull/puller.h"
#include "pull_test_util.h"
#include "sshd_harness.h"

using namespace lingercam;
using namespace lingercam::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class ASftpPuller : public ::testing::Test {
protected:
	void SetUp() override
	{
		fs::create_directories(remote);
		sshd.start();
		options.retries = 1;
		options.retryBackoff = 50ms;
	}

	pull::SourceConfig source(const std::string &name = "cam") { return sourceFor(sshd, name, remote, local); }

	std::unique_ptr<pull::Puller> puller(const pull::SourceConfig &s)
	{
		return std::make_unique<pull::Puller>(s.name, s.localStore, pull::Puller::sftpConnector(s), options, interrupt);
	}

	pull::RoundResult round() { return puller(source())->runRound(); }

	/// Every remote frame of \a ids is in the mirror, byte for byte, with the frame time as mtime.
	void expectMirrored(const std::vector<common::FrameId> &ids)
	{
		for (const auto &id : ids) {
			fs::path mine = local / id.relativePath();
			ASSERT_TRUE(fs::is_regular_file(mine)) << id.relativePath();
			EXPECT_EQ(readBytes(mine), readBytes(remote / id.relativePath())) << id.relativePath();
			struct stat st;
			ASSERT_EQ(::stat(mine.c_str(), &st), 0);
			EXPECT_EQ(st.st_mtim.tv_sec, id.seconds) << id.relativePath();
		}
	}

	/// Two small frames and a large newest one. The newest is fetched first and alone: a
	/// cut while it is in flight leaves it partial (reads of at most 8 MiB are in flight,
	/// the frame is 24 MiB).
	std::vector<common::FrameId> writeFramesWithALargeNewest()
	{
		std::vector<common::FrameId> ids{ frameAt(0), frameAt(1), frameAt(2) };
		for (const auto &id : ids)
			writeFrame(remote, id, id == ids.back() ? 24u << 20 : 100000u);
		pointLatest(remote, ids.back().relativePath());
		return ids;
	}

	std::size_t localFrameCount()
	{
		std::size_t n = 0;
		for (const auto &[path, what] : tree(local))
			if (common::parseFrameRelativePath(path) && what.starts_with("f "))
				++n;
		return n;
	}

	TempDir tmp;
	fs::path remote = tmp.path() / "camera" / "store";
	fs::path local = tmp.path() / "mirror";
	/// This viewer's confirmation file on the camera host.
	std::string confirmation = common::confirmationName(pull::Puller::viewerId(local));
	SshdHarness sshd{ tmp.path() / "sshd" };
	common::Interrupt interrupt;
	pull::RoundOptions options;
};

TEST_F(ASftpPuller, FetchesOnlyTheNewestFrameInLatestMode)
{
	std::vector<common::FrameId> ids;
	for (int i = 0; i < 20; ++i)
		ids.push_back(frameAt(i));
	for (const auto &id : ids)
		writeFrame(remote, id, 30000 + static_cast<std::size_t>(id.seconds % 977));
	pointLatest(remote, ids.back().relativePath());
	options.mode = pull::PullMode::Latest;

	pull::RoundResult r = round();

	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_TRUE(r.newestFetched);
	EXPECT_EQ(localFrameCount(), 1u);
	expectMirrored({ ids.back() });
	EXPECT_EQ(fs::read_symlink(local / "latest.jpg"), ids.back().relativePath());
	EXPECT_FALSE(fs::exists(local / ".pulled")) << "latest mode confirms nothing";
	EXPECT_FALSE(fs::exists(remote / confirmation)) << "latest mode confirms nothing";
}

TEST_F(ASftpPuller, MirrorsADayOfFramesByteIdentical)
{
	// Written by the capture side's own Store, so both daemons agree on the layout.
	std::vector<common::FrameId> ids;
	{
		common::Store store(remote);
		for (int i = 0; i < 1440; i += 3) {
			auto bytes = jpegBytes(4000 + static_cast<std::size_t>(i) * 7, static_cast<std::uint32_t>(i));
			ids.push_back(store.publish(bytes, std::chrono::system_clock::time_point(
								   std::chrono::seconds(frameAt(i).seconds))));
		}
	}

	pull::RoundResult r = round();

	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.framesFetched, ids.size());
	EXPECT_EQ(r.backlog, 0u);
	EXPECT_EQ(r.refused, 0u);
	EXPECT_EQ(localFrameCount(), ids.size());
	expectMirrored(ids);
	EXPECT_EQ(fs::read_symlink(local / "latest.jpg"), ids.back().relativePath());
	for (const auto &[path, what] : tree(local))
		EXPECT_FALSE(path.ends_with(".part")) << path;
}

TEST_F(ASftpPuller, WritesPulledBackToTheRemoteStoreWhereCaptureReadsIt)
{
	std::vector<common::FrameId> ids;
	for (int i = 0; i < 10; ++i)
		ids.push_back(frameAt(i * 10));
	for (const auto &id : ids)
		writeFrame(remote, id, 5000);
	pointLatest(remote, ids.back().relativePath());

	pull::RoundResult r = round();

	ASSERT_TRUE(r.ok) << r.error;
	ASSERT_TRUE(r.watermark);
	EXPECT_EQ(*r.watermark, ids.back());
	common::Store captureSide(remote);
	EXPECT_EQ(captureSide.pulledWatermark(), ids.back());
	EXPECT_EQ(readBytes(local / ".pulled"), readBytes(remote / confirmation));
	EXPECT_TRUE(confirmation.starts_with(".pulled.")) << confirmation;
	for (const auto &[path, what] : tree(remote))
		EXPECT_FALSE(path.starts_with(".pulled") && path.ends_with(".tmp")) << "a temporary file is left: " << path;
}

TEST_F(ASftpPuller, BackfillsWhatItMissedDuringAnOutageListingOnlyFromTheWatermarksDay)
{
	options.today = "2026/11/23"; // the viewer's clock, for the days a backfill names
	// Five days on the camera; the first round takes all of them.
	std::vector<common::FrameId> before;
	for (int day = 18; day <= 22; ++day)
		for (int i = 0; i < 6; ++i)
			before.push_back(frameAt(i * 60, day));
	for (const auto &id : before)
		writeFrame(remote, id, 6000);
	pointLatest(remote, before.back().relativePath());
	auto p = puller(source());
	ASSERT_TRUE(p->runRound().ok);

	// The camera host goes away; the round fails with one clear error and no frames.
	sshd.kill();
	pull::RoundResult down = p->runRound();
	EXPECT_FALSE(down.ok);
	ASSERT_TRUE(down.errorKind);
	EXPECT_EQ(*down.errorKind, pull::SshError::Kind::Connect);
	EXPECT_EQ(down.attempts, options.retries + 1);

	// Meanwhile it kept capturing: the rest of day 22 and day 23.
	std::vector<common::FrameId> missed;
	for (int i = 6; i < 12; ++i)
		missed.push_back(frameAt(i * 60, 22));
	for (int i = 0; i < 12; ++i)
		missed.push_back(frameAt(i * 60, 23));
	for (const auto &id : missed)
		writeFrame(remote, id, 6000);
	pointLatest(remote, missed.back().relativePath());

	sshd.start();
	pull::RoundResult back = p->runRound();
	ASSERT_TRUE(back.ok) << back.error;
	EXPECT_TRUE(back.newestFetched);
	EXPECT_EQ(back.framesFetched, missed.size());
	expectMirrored(before);
	expectMirrored(missed);
	EXPECT_EQ(*back.watermark, missed.back());
	// Days 22 and 23, by name (the watermark's, and latest.jpg's and today's): no older
	// day, and no year or month folder.
	EXPECT_EQ(back.foldersListed, 2u);
}

TEST_F(ASftpPuller, ResumesThePartialFrameWhenSshdIsKilledMidTransfer)
{
	std::vector<common::FrameId> ids = writeFramesWithALargeNewest();

	options.retries = 0; // the camera stays away for the rest of this round
	auto p = puller(source());
	bool killed = false;
	p->setProgressCallback(
		[&](const std::string &, const pull::RoundProgress &progress) {
			if (!killed && progress.bytesDone >= (4u << 20)) {
				killed = true;
				sshd.kill();
			}
		},
		0ms);
	pull::RoundResult cut = p->runRound();
	ASSERT_TRUE(killed);
	EXPECT_FALSE(cut.ok);
	ASSERT_TRUE(cut.errorKind);
	EXPECT_EQ(*cut.errorKind, pull::SshError::Kind::Dropped) << cut.error;
	std::size_t parts = 0;
	for (const auto &[path, what] : tree(local))
		if (path.ends_with(".part")) {
			++parts;
			EXPECT_NE(what, "f 0") << path;
		}
	EXPECT_GE(parts, 1u) << "an interrupted frame stays as .part, never under a frame name";
	for (const auto &[path, what] : tree(local)) {
		if (common::parseFrameRelativePath(path)) {
			EXPECT_EQ(readBytes(local / path), readBytes(remote / path)) << "a torn frame is visible: " << path;
		}
	}

	sshd.start();
	pull::RoundResult next = p->runRound();
	ASSERT_TRUE(next.ok) << next.error;
	EXPECT_GE(next.resumed, 1u);
	EXPECT_GT(next.resumedBytes, 0u);
	expectMirrored(ids);
	for (const auto &[path, what] : tree(local))
		EXPECT_FALSE(path.ends_with(".part")) << path;
}

TEST_F(ASftpPuller, RetriesWithinTheRoundAndResumesWhenTheLinkComesBack)
{
	std::vector<common::FrameId> ids = writeFramesWithALargeNewest();

	options.retries = 4;
	options.retryBackoff = 400ms;
	auto p = puller(source());
	bool killed = false;
	std::jthread restarter;
	p->setProgressCallback([&](const std::string &, const pull::RoundProgress &progress) {
		if (!killed && progress.bytesDone >= (4u << 20)) {
			killed = true;
			sshd.kill();
			// The thread that starts sshd must outlive it (the harness sets PDEATHSIG).
			restarter = std::jthread([this](std::stop_token stop) {
				std::this_thread::sleep_for(150ms);
				sshd.start();
				while (!stop.stop_requested())
					std::this_thread::sleep_for(10ms);
			});
		}
	}, 0ms);
	pull::RoundResult r = p->runRound();
	sshd.kill();
	restarter = {};

	ASSERT_TRUE(killed);
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_GE(r.attempts, 2u);
	EXPECT_GE(r.resumed, 1u);
	expectMirrored(ids);
}

TEST_F(ASftpPuller, RefusesAChangedHostKeyWithTheFingerprintAndHowToFixIt)
{
	writeFrame(remote, frameAt(0), 5000);
	pointLatest(remote, frameAt(0).relativePath());
	TempDir other;
	std::string out;
	ASSERT_EQ(SshdHarness::run({ "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (other.path() / "k").string() }, &out), 0);
	{
		auto otherKey = readBytes(other.path() / "k.pub");
		std::ofstream kh(sshd.knownHosts(), std::ios::trunc);
		kh << sshd.knownHostsName() << " " << std::string(otherKey.begin(), otherKey.end());
	}
	auto before = readBytes(sshd.knownHosts());

	pull::RoundResult r = round();

	EXPECT_FALSE(r.ok);
	ASSERT_TRUE(r.errorKind);
	EXPECT_EQ(*r.errorKind, pull::SshError::Kind::HostKey);
	EXPECT_EQ(r.attempts, 1u) << "a host key problem is not retried";
	EXPECT_NE(r.error.find("CHANGED"), std::string::npos) << r.error;
	EXPECT_NE(r.error.find(sshd.hostKeyFingerprint()), std::string::npos) << r.error;
	EXPECT_NE(r.error.find("ssh-keygen -R"), std::string::npos) << r.error;
	EXPECT_EQ(readBytes(sshd.knownHosts()), before);
	EXPECT_EQ(localFrameCount(), 0u);
}

TEST_F(ASftpPuller, ReportsAnAuthenticationFailureOnceWithoutRetrying)
{
	writeFrame(remote, frameAt(0), 5000);
	pointLatest(remote, frameAt(0).relativePath());
	TempDir other;
	std::string out;
	ASSERT_EQ(SshdHarness::run({ "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (other.path() / "k").string() }, &out), 0);
	pull::SourceConfig s = source();
	s.ssh.identities = { (other.path() / "k").string() };

	pull::RoundResult r = puller(s)->runRound();

	EXPECT_FALSE(r.ok);
	ASSERT_TRUE(r.errorKind);
	EXPECT_EQ(*r.errorKind, pull::SshError::Kind::Auth);
	EXPECT_EQ(r.attempts, 1u);
	EXPECT_NE(r.error.find("authorized_keys"), std::string::npos) << r.error;
	EXPECT_EQ(localFrameCount(), 0u);
}

TEST_F(ASftpPuller, SaysSoWhenTheRemoteStoreDoesNotExist)
{
	pull::SourceConfig s = source();
	s.remoteStore = (tmp.path() / "no-such-store").string();

	pull::RoundResult r = puller(s)->runRound();

	EXPECT_FALSE(r.ok);
	ASSERT_TRUE(r.errorKind);
	EXPECT_EQ(*r.errorKind, pull::SshError::Kind::Remote);
	EXPECT_NE(r.error.find("remote_store"), std::string::npos) << r.error;
	EXPECT_EQ(r.attempts, 1u);
}

TEST_F(ASftpPuller, RefusesAnUnknownHostKeyUnderStrict)
{
	writeFrame(remote, frameAt(0), 5000);
	pointLatest(remote, frameAt(0).relativePath());
	fs::remove(sshd.knownHosts());

	pull::RoundResult r = round();

	EXPECT_FALSE(r.ok);
	ASSERT_TRUE(r.errorKind);
	EXPECT_EQ(*r.errorKind, pull::SshError::Kind::HostKey);
	EXPECT_NE(r.error.find("unknown"), std::string::npos) << r.error;
	EXPECT_NE(r.error.find(sshd.hostKeyFingerprint()), std::string::npos) << r.error;
	EXPECT_NE(r.error.find("ssh-keyscan"), std::string::npos) << r.error;
	EXPECT_FALSE(fs::exists(sshd.knownHosts())) << "strict never records a key";
	EXPECT_EQ(localFrameCount(), 0u);
}

TEST_F(ASftpPuller, RecordsAnUnknownHostKeyUnderAcceptNewAndTrustsItAfterwards)
{
	writeFrame(remote, frameAt(0), 5000);
	pointLatest(remote, frameAt(0).relativePath());
	fs::remove(sshd.knownHosts());
	pull::SourceConfig s = source();
	s.ssh.hostKeyPolicy = pull::HostKeyPolicy::AcceptNew;

	pull::RoundResult r = puller(s)->runRound();

	ASSERT_TRUE(r.ok) << r.error;
	ASSERT_TRUE(fs::exists(sshd.knownHosts()));
	auto recorded = readBytes(sshd.knownHosts());
	std::string text(recorded.begin(), recorded.end());
	EXPECT_NE(text.find("[127.0.0.1]:" + std::to_string(sshd.port())), std::string::npos) << text;
	std::string out;
	EXPECT_EQ(SshdHarness::run({ "ssh-keygen", "-F", sshd.knownHostsName(), "-f", sshd.knownHosts().string() }, &out), 0) << out;

	s.ssh.hostKeyPolicy = pull::HostKeyPolicy::Strict;
	EXPECT_TRUE(puller(s)->runRound().ok) << "the recorded key is trusted under strict";
}

TEST_F(ASftpPuller, RefusesHostileNamesAndOversizedFilesAndWritesNothingOutsideTheMirror)
{
	const fs::path outside = tmp.path() / "outside";
	fs::create_directories(outside);
	writeFrame(outside, frameAt(0, 24), 5000);
	std::vector<common::FrameId> good;
	for (int i = 0; i < 5; ++i)
		good.push_back(frameAt(i));
	for (const auto &id : good)
		writeFrame(remote, id, 5000);
	const fs::path day = remote / "2026/11/23";
	fs::create_symlink(outside / frameAt(0, 24).relativePath(), day / frameAt(60).fileName()); // symlink frame
	ASSERT_EQ(::mkfifo((day / frameAt(61).fileName()).c_str(), 0644), 0);                  // fifo
	fs::create_directories(day / frameAt(62).fileName());                                    // folder
	writeFrame(remote, frameAt(63), 200 * 1024);                                              // oversized
	std::ofstream(day / frameAt(64).fileName()).close();                                      // empty
	std::ofstream(day / "evil\nname.jpg") << "x";                                              // control character
	std::ofstream(day / "\x1b[31mred.jpg") << "x";                                             // escape sequence
	std::ofstream(day / (std::string(200, 'a') + ".jpg")) << "x";                              // over-long
	std::ofstream(day / "notes.txt") << "x";                                                   // not a frame
	std::ofstream(day / frameAt(0, 24).fileName()) << "x";                                     // another day's frame
	std::ofstream(day / ("." + frameAt(5).fileName() + ".tmp")) << "x";                        // capture's work in progress
	fs::create_symlink(outside / "2026/11/24", remote / "2026/11/24");                         // day folder symlink
	fs::create_symlink("/", remote / "2026/12");                                               // month symlink to /
	std::ofstream(remote / "2027") << "x";                                                     // year name, a file
	fs::create_directories(remote / "tmp");                                                    // not the layout
	pointLatest(remote, good.back().relativePath());
	options.maxFileSize = 100 * 1024;

	auto outsideBefore = tree(outside);
	auto remoteBefore = tree(remote);
	pull::RoundResult r = round();

	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_GE(r.refused, 12u);
	EXPECT_EQ(r.framesFetched, good.size());
	expectMirrored(good);
	std::map<std::string, std::string> expected{ { "2026", "d" }, { "2026/11", "d" }, { "2026/11/23", "d" },
						     { ".pulled", "f 17" },
						     { "latest.jpg", "l -> " + good.back().relativePath() } };
	for (const auto &id : good)
		expected[id.relativePath()] = "f 5000";
	EXPECT_EQ(tree(local), expected);
	EXPECT_EQ(tree(outside), outsideBefore);
	auto remoteAfter = tree(remote);
	remoteAfter.erase(confirmation);
	EXPECT_EQ(remoteAfter, remoteBefore) << "pull writes nothing on the camera but its " << confirmation;
	for (const auto &entry : fs::directory_iterator(tmp.path()))
		EXPECT_TRUE(entry.path().filename() == "camera" || entry.path().filename() == "mirror" ||
			    entry.path().filename() == "sshd" || entry.path().filename() == "outside")
			<< entry.path();
}

class ALatestLink : public ASftpPuller, public ::testing::WithParamInterface<std::string> {};

TEST_P(ALatestLink, PointingOutsideTheStoreIsRefused)
{
	const fs::path outside = tmp.path() / "outside";
	writeFrame(outside, frameAt(0, 25), 5000);
	writeFrame(remote, frameAt(0), 5000);
	fs::create_symlink(outside / "2026/11/25", remote / "2026/11/25");
	fs::create_symlink(outside / frameAt(0, 25).relativePath(), remote / "2026/11/23" / frameAt(1).fileName());
	pointLatest(remote, GetParam());
	options.mode = pull::PullMode::Latest;

	pull::RoundResult r = round();

	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_FALSE(r.newestFetched);
	EXPECT_GE(r.refused, 1u);
	EXPECT_EQ(localFrameCount(), 0u);
	EXPECT_FALSE(fs::exists(local / "latest.jpg"));
}

INSTANTIATE_TEST_SUITE_P(HostileTargets, ALatestLink,
			 ::testing::Values("/etc/passwd", "../outside/2026/11/25/20261125T000000Z.jpg",
					   "2026/11/23/../../../../outside/2026/11/25/20261125T000000Z.jpg",
					   "2026/11/25/20261125T000000Z.jpg", "2026/11/23/20261123T000100Z.jpg",
					   "2026/11/23/20261123T000000Z.jpg\n"));

TEST_F(ASftpPuller, SyncsTwoSourcesConcurrentlyWhileOneIsDown)
{
	std::vector<common::FrameId> ids;
	for (int i = 0; i < 30; ++i)
		ids.push_back(frameAt(i));
	for (const auto &id : ids)
		writeFrame(remote, id, 50000);
	pointLatest(remote, ids.back().relativePath());

	pull::PullConfig config;
	config.retries = 2;
	config.retryBackoff = 500ms; // the dead camera takes 1.5 s of backoff
	pull::SourceConfig dead = source("dead");
	dead.ssh.port = SshdHarness::freePort();
	dead.localStore = tmp.path() / "mirror-dead";
	config.sources = { dead, source("alive") };
	pull::PullStatus status;
	common::SystemClock clock;
	pull::PullService service(config, clock, interrupt, status);

	auto started = std::chrono::steady_clock::now();
	auto results = service.runRound();
	auto took = std::chrono::steady_clock::now() - started;

	ASSERT_EQ(results.size(), 2u);
	EXPECT_FALSE(results[0].ok);
	ASSERT_TRUE(results[0].errorKind);
	EXPECT_EQ(*results[0].errorKind, pull::SshError::Kind::Connect);
	EXPECT_EQ(results[0].attempts, 3u);
	ASSERT_TRUE(results[1].ok) << results[1].error;
	expectMirrored(ids);
	auto deadStatus = status.source("dead");
	auto aliveStatus = status.source("alive");
	ASSERT_TRUE(deadStatus && aliveStatus);
	EXPECT_EQ(deadStatus->state, pull::SourceStatus::State::Failed);
	EXPECT_FALSE(deadStatus->lastError.empty());
	EXPECT_EQ(aliveStatus->state, pull::SourceStatus::State::Idle);
	EXPECT_EQ(aliveStatus->framesPulled, ids.size());
	// The live camera finished while the dead one was still backing off: they ran side by side.
	EXPECT_LT(*aliveStatus->lastRoundEnd + 1s, *deadStatus->lastRoundEnd);
	EXPECT_LT(took, 5s);
}

TEST_F(ASftpPuller, RunsFromTheCommandLineThroughAnSshConfigAlias)
{
	for (int i = 0; i < 12; ++i)
		writeFrame(remote, frameAt(i), 8000);
	pointLatest(remote, frameAt(11).relativePath());
	const fs::path sshConfig = tmp.path() / "ssh_config";
	std::ofstream(sshConfig) << "Host camera\n  HostName 127.0.0.1\n  Port " << sshd.port() << "\n  User " << sshd.user()
				 << "\n";
	const fs::path config = tmp.path() / "pull.toml";
	std::ofstream(config) << "active_hours = \"06:00-22:00\"\n"
			      << "[[source]]\nname = \"garden\"\nhost = \"camera\"\n"
			      << "identity = \"" << sshd.clientKey().string() << "\"\n"
			      << "known_hosts = \"" << sshd.knownHosts().string() << "\"\n"
			      << "ssh_config = \"" << sshConfig.string() << "\"\n"
			      << "remote_store = \"" << remote.string() << "\"\n"
			      << "local_store = \"" << local.string() << "\"\n";
	const std::string binary = std::string(LINGERCAM_BINARY_DIR) + "/pull/lingercam-pull";

	std::string out;
	EXPECT_EQ(SshdHarness::run({ binary, "--config", config.string(), "check-config" }, &out), 0) << out;
	EXPECT_EQ(SshdHarness::run({ binary, "--config", config.string(), "once" }, &out), 0) << out;
	EXPECT_EQ(localFrameCount(), 12u) << out;

	std::ofstream(config, std::ios::app) << "colour = \"blue\"\n";
	EXPECT_EQ(SshdHarness::run({ binary, "--config", config.string(), "check-config" }, &out), 78) << out;
	EXPECT_NE(out.find("colour"), std::string::npos) << out;
}

/// A camera host whose TCP port takes connections but never says a word (an sshd stuck
/// before its banner): the kernel completes the handshake from the listen backlog.
class ASilentHost : public ::testing::Test {
protected:
	void SetUp() override
	{
		fd = ::socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_GE(fd, 0);
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
		ASSERT_EQ(::listen(fd, 8), 0);
		socklen_t len = sizeof a;
		ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len), 0);
		port = ntohs(a.sin_port);
	}
	void TearDown() override { ::close(fd); }

	pull::RoundResult round(pull::RoundOptions options)
	{
		pull::SourceConfig s;
		s.name = "silent";
		s.ssh.host = "127.0.0.1";
		s.ssh.port = port;
		s.ssh.sshConfig = "none";
		s.ssh.connectTimeout = std::chrono::minutes(10); // only a stop or the deadline can end it
		s.remoteStore = "store";
		s.localStore = tmp.path() / "mirror";
		options.retries = 0;
		pull::Puller p(s.name, s.localStore, pull::Puller::sftpConnector(s), options, interrupt);
		return p.runRound();
	}

	TempDir tmp;
	int fd = -1;
	int port = 0;
	common::Interrupt interrupt;
};

TEST_F(ASilentHost, CannotHoldAStopWhileConnecting)
{
	std::thread stopper([this] {
		std::this_thread::sleep_for(300ms);
		interrupt.requestStop();
	});
	pull::RoundResult r = round({});
	stopper.join();
	EXPECT_FALSE(r.ok);
	ASSERT_TRUE(r.errorKind.has_value()) << r.error;
	EXPECT_EQ(*r.errorKind, pull::SshError::Kind::Stopped) << r.error;
}

TEST_F(ASilentHost, CannotHoldARoundPastItsDeadlineWhileConnecting)
{
	pull::RoundOptions options;
	options.roundTimeout = 1s;
	pull::RoundResult r = round(options);
	EXPECT_FALSE(r.ok);
	ASSERT_TRUE(r.errorKind.has_value()) << r.error;
	EXPECT_EQ(*r.errorKind, pull::SshError::Kind::Overtime) << r.error;
	EXPECT_NE(r.error.find("connect to "), std::string::npos) << r.error;
	EXPECT_NE(r.error.find("round_timeout=1s"), std::string::npos) << r.error;
}

} // namespace
