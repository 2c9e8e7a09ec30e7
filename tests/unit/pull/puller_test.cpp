// SPDX-License-Identifier: BSD-2-Clause
// The puller and the local mirror against an in-memory camera store (and the progress line).
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "common/clock.h"
#include "common/store.h"
#include "fake_remote_store.h"
#include "pull/local_mirror.h"
#include "pull/memory_budget.h"
#include "pull/progress_line.h"
#include "pull/pull_service.h"
#include "pull/pull_status.h"
#include "pull/puller.h"
#include "pull/ssh_error.h"

using namespace lingercam;
using lingercam::test::FakeRemoteStore;
namespace fs = std::filesystem;

namespace {

common::FrameId minute(int m)
{
	return { common::daysFromCivil(2026, 11, 23) * 86400 + m * 60, 0 };
}

std::vector<std::uint8_t> jpeg(std::size_t size, std::uint8_t fill)
{
	std::vector<std::uint8_t> v(size, fill);
	v[0] = 0xFF;
	v[1] = 0xD8;
	v[size - 2] = 0xFF;
	v[size - 1] = 0xD9;
	return v;
}

std::vector<std::uint8_t> readAll(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	return { std::istreambuf_iterator<char>(in), {} };
}

class APuller : public ::testing::Test {
protected:
	APuller()
	{
		char tmpl[] = "/tmp/lingercam-unit-XXXXXX";
		root = ::mkdtemp(tmpl);
		remote = std::make_shared<FakeRemoteStore>();
		// The viewer's clock, whatever the machine's says: a week after the frames.
		options.now = std::chrono::system_clock::time_point(
			std::chrono::seconds(common::daysFromCivil(2026, 12, 1) * 86400));
	}
	~APuller() override { fs::remove_all(root); }

	void addFrames(int count)
	{
		for (int i = 0; i < count; ++i)
			remote->addFile(minute(i).relativePath(), jpeg(1000 + static_cast<std::size_t>(i), static_cast<std::uint8_t>(i)));
		remote->addSymlink("latest.jpg", minute(count - 1).relativePath());
	}

	pull::RoundResult round()
	{
		pull::Puller p("cam", root / "mirror", [this](const pull::RoundLimits &) { return std::make_unique<Borrowed>(*remote); }, options, interrupt);
		return p.runRound();
	}

	/// Hands the shared fake to the puller without giving it away.
	class Borrowed final : public pull::RemoteStore {
	public:
		explicit Borrowed(RemoteStore &r) : r_(r) {}
		std::string describe() const override { return r_.describe(); }
		void requestLink(const std::string &p, LinkCallback d) override { r_.requestLink(p, std::move(d)); }
		void requestLstat(std::vector<std::string> p, LstatCallback d) override { r_.requestLstat(std::move(p), std::move(d)); }
		void requestList(const std::string &p, ListCallback d) override { r_.requestList(p, std::move(d)); }
		void requestWrite(const std::string &p, std::string c, std::function<void()> d) override
		{
			r_.requestWrite(p, std::move(c), std::move(d));
		}
		void startFetching(pull::FetchQueue &q) override { r_.startFetching(q); }
		void stopFetching() override { r_.stopFetching(); }
		std::size_t fetching() const override { return r_.fetching(); }
		void pump(std::optional<std::chrono::milliseconds> w) override { r_.pump(w); }
		bool busy() const override { return r_.busy(); }

	private:
		RemoteStore &r_;
	};

	/// A round whose \a connects-th connection drops after the number of frames \a frames
	/// gives for it (negative: never).
	pull::RoundResult roundOverDroppingLinks(int &connects, const std::function<int(int)> &frames);

	/// This viewer's confirmation file on the camera host.
	std::string confirmation() const { return common::confirmationName(pull::Puller::viewerId(root / "mirror")); }

	fs::path root;
	std::shared_ptr<FakeRemoteStore> remote;
	common::Interrupt interrupt;
	pull::RoundOptions options;
};

TEST_F(APuller, FetchesTheNewestFrameBeforeAnyOther)
{
	addFrames(5);
	auto r = round();
	ASSERT_TRUE(r.ok) << r.error;
	ASSERT_FALSE(remote->fetched.empty());
	EXPECT_EQ(remote->fetched.front(), minute(4).relativePath());
	EXPECT_EQ(r.framesFetched, 5u);
	EXPECT_EQ(remote->fetched.size(), 5u) << "the newest is not fetched twice";
}

TEST_F(APuller, CatchesUpOnDaysInAFixedNumberOfRoundTrips)
{
	// Three days missed since the watermark: latest.jpg, the day folders (named from the
	// watermark, latest.jpg and today), the frames and ".pulled" all share round trips; none
	// waits for the year and month listings, nor for a stretch of frames to settle. Each
	// pump of the fake is one round trip.
	for (int day = 0; day < 4; ++day)
		for (int m = 0; m < 5; ++m)
			remote->addFile(minute(day * 1440 + m * 60).relativePath(), jpeg(1000, static_cast<std::uint8_t>(m)));
	remote->addSymlink("latest.jpg", minute(3 * 1440 + 4 * 60).relativePath());
	options.today = minute(3 * 1440).dayPath();
	fs::create_directories(root / "mirror");
	std::ofstream(root / "mirror/.pulled") << minute(4 * 60).stem() << "\n"; // all of the first day
	auto r = round();
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.framesFetched, 15u);
	EXPECT_EQ(*r.watermark, minute(3 * 1440 + 4 * 60));
	EXPECT_EQ(remote->written[confirmation()], minute(3 * 1440 + 4 * 60).stem() + "\n");
	EXPECT_EQ(std::count(remote->listed.begin(), remote->listed.end(), ""), 0) << "no root listing";
	EXPECT_LE(remote->roundTrips, 4u);
}

TEST_F(APuller, RemembersABoundedNumberOfRefusedNames)
{
	// A camera host listing 10,000 names outside the layout, every round: each is refused
	// and logged, and what the daemon keeps about them stays bounded for its lifetime.
	addFrames(3);
	std::vector<pull::RemoteEntry> bad;
	for (int i = 0; i < 10000; ++i)
		bad.push_back({ "not-a-frame-" + std::to_string(i), pull::EntryType::Regular, 10, 0 });
	remote->extraEntries[minute(0).dayPath()] = bad;
	pull::Puller p("cam", root / "mirror", [this](const pull::RoundLimits &) { return std::make_unique<Borrowed>(*remote); },
		       options, interrupt);
	for (int round = 0; round < 3; ++round) {
		auto r = p.runRound();
		ASSERT_TRUE(r.ok) << r.error;
		EXPECT_GE(r.refused, 10000u);
		EXPECT_LE(p.rememberedRefusals(), pull::Puller::kMaxRememberedRefusals);
	}
}

TEST_F(APuller, StartsNoRetryThatTheRoundDeadlineWouldCut)
{
	// The camera host drops every connection; the next retry would start after the round's
	// deadline, so the round ends now, saying why, instead of sleeping into it.
	options.retries = 3;
	options.retryBackoff = std::chrono::seconds(30);
	options.roundTimeout = std::chrono::seconds(5);
	unsigned connects = 0;
	pull::Puller p(
		"cam", root / "mirror",
		[&](const pull::RoundLimits &) -> std::unique_ptr<pull::RemoteStore> {
			++connects;
			throw pull::SshError(pull::SshError::Kind::Dropped, 0, "connect: connection reset");
		},
		options, interrupt);
	auto r = p.runRound();
	EXPECT_FALSE(r.ok);
	EXPECT_EQ(connects, 1u);
	ASSERT_TRUE(r.errorKind.has_value());
	EXPECT_EQ(*r.errorKind, pull::SshError::Kind::Overtime) << r.error;
	EXPECT_NE(r.error.find("not retried: round_timeout=5s ends the round before the next attempt"), std::string::npos)
		<< r.error;
}

TEST_F(APuller, BeatsTheHeartbeatAsFramesArriveAndThroughABackoff)
{
	// The daemon's watchdog pings only while this heartbeat is recent.
	common::Heartbeat heartbeat;
	options.heartbeat = &heartbeat;
	addFrames(3);
	const auto before = heartbeat.last();
	std::this_thread::sleep_for(std::chrono::milliseconds(20));
	ASSERT_TRUE(round().ok);
	EXPECT_GT(heartbeat.last(), before) << "frames arrived without a beat";

	// A retry's backoff is bounded, so it is progress too: the heartbeat stays recent
	// through one far longer than a beat apart.
	options.retries = 1;
	options.retryBackoff = std::chrono::milliseconds(1500);
	unsigned connects = 0;
	std::vector<common::Heartbeat::Clock::time_point> seen;
	pull::Puller p(
		"cam", root / "mirror",
		[&](const pull::RoundLimits &limits) -> std::unique_ptr<pull::RemoteStore> {
			EXPECT_EQ(limits.heartbeat, &heartbeat) << "the connection would not report bytes";
			seen.push_back(heartbeat.last());
			if (++connects == 1)
				throw pull::SshError(pull::SshError::Kind::Dropped, 0, "connect: connection reset");
			return std::make_unique<Borrowed>(*remote);
		},
		options, interrupt);
	const auto start = common::Heartbeat::Clock::now();
	ASSERT_TRUE(p.runRound().ok);
	ASSERT_EQ(seen.size(), 2u);
	EXPECT_GE(seen[1] - start, std::chrono::milliseconds(1400)) << "the backoff ended without a beat";
}

TEST(APullService, KeepsTheWatchdogAliveOnlyWhileRoundsMakeProgress)
{
	pull::PullConfig config;
	common::Interrupt interrupt;
	pull::PullStatus status;
	common::SystemClock clock;
	pull::PullService service(config, clock, interrupt, status);
	const auto now = common::Heartbeat::Clock::now();
	EXPECT_TRUE(service.alive(now));
	EXPECT_TRUE(service.alive(now + pull::PullService::kProgressWindow - std::chrono::seconds(1)));
	EXPECT_FALSE(service.alive(now + pull::PullService::kProgressWindow + std::chrono::seconds(1)));

	// The watchdog outlasts the longest wait for a single byte, plus the window: a stalled
	// transfer ends by io_timeout first.
	config.ioTimeout = std::chrono::seconds(60);
	config.connectTimeout = std::chrono::seconds(15);
	EXPECT_EQ(pull::PullService::watchdogTimeout(config), std::chrono::seconds(90));
	EXPECT_GT(pull::PullService::watchdogTimeout(config), config.ioTimeout + pull::PullService::kProgressWindow);
	config.connectTimeout = std::chrono::seconds(120);
	EXPECT_EQ(pull::PullService::watchdogTimeout(config), std::chrono::seconds(150));
}

TEST_F(APuller, AdvancesTheWatermarkOnlyOverAnUnbrokenRun)
{
	addFrames(6);
	remote->failing.insert(minute(3).relativePath());
	options.checkpointEvery = std::chrono::milliseconds(0); // a checkpoint, and a .pulled write, at every step
	auto r = round();
	ASSERT_TRUE(r.ok) << r.error;
	ASSERT_TRUE(r.watermark);
	EXPECT_EQ(*r.watermark, minute(2));
	EXPECT_EQ(r.backlog, 1u);
	EXPECT_EQ(remote->written[confirmation()], minute(2).stem() + "\n");
	EXPECT_EQ(readAll(root / "mirror/.pulled"), readAll(root / "mirror/.pulled"));

	remote->failing.clear();
	auto again = round();
	ASSERT_TRUE(again.ok);
	EXPECT_EQ(again.framesFetched, 1u) << "only the missing frame";
	EXPECT_EQ(*again.watermark, minute(5));
	EXPECT_EQ(remote->written[confirmation()], minute(5).stem() + "\n");
}

TEST_F(APuller, RefusesATruncatedJpegAndDeletesItsPart)
{
	addFrames(3);
	auto bad = jpeg(500, 7);
	bad.back() = 0;
	remote->addFile(minute(1).relativePath(), bad);
	auto r = round();
	ASSERT_TRUE(r.ok);
	EXPECT_EQ(r.refused, 1u);
	EXPECT_FALSE(fs::exists(root / "mirror" / minute(1).relativePath()));
	for (const auto &e : fs::recursive_directory_iterator(root / "mirror"))
		EXPECT_FALSE(e.path().string().ends_with(".part")) << e.path();
}

TEST_F(APuller, FetchesFramesBehindItsWatermarkFromADayTheCameraMarkedOutOfOrder)
{
	addFrames(10);
	ASSERT_TRUE(round().ok);
	// The camera rebooted with its clock in 1970 and took two frames before NTP put it right;
	// capture marked that day out of order.
	common::FrameId a{ 30, 0, true }, b{ 90, 0, true };
	remote->addFile(a.relativePath(), jpeg(900, 7));
	remote->addFile(b.relativePath(), jpeg(900, 8));
	remote->addFile(".out-of-order/1970-01-01.0a1b2c3d", {});
	remote->addSymlink("latest.jpg", b.relativePath());
	auto r = round();
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.framesFetched, 2u);
	EXPECT_EQ(readAll(root / "mirror" / a.relativePath()), jpeg(900, 7));
	EXPECT_EQ(readAll(root / "mirror" / b.relativePath()), jpeg(900, 8));
	EXPECT_EQ(r.watermark, minute(9)) << "the watermark neither stalls nor moves back";
	EXPECT_EQ(fs::read_symlink(root / "mirror/latest.jpg"), b.relativePath()) << "the frame the camera took last";
	EXPECT_EQ(remote->written[confirmation()], minute(9).stem() + "\nout-of-order 1970-01-01.0a1b2c3d\n");

	// The clock is right again: the next frame is newer than the watermark, and latest.jpg
	// follows the camera's back into 2026.
	remote->addFile(minute(10).relativePath(), jpeg(1010, 10));
	remote->addSymlink("latest.jpg", minute(10).relativePath());
	r = round();
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.framesFetched, 1u) << "the 1970 frames are not fetched again";
	EXPECT_EQ(fs::read_symlink(root / "mirror/latest.jpg"), minute(10).relativePath());
	EXPECT_EQ(r.watermark, minute(10));
}

TEST_F(APuller, PointsLatestAtTheCamerasLatestAfterTheCamerasClockSteppedBack)
{
	for (int i = 60; i < 70; ++i)
		remote->addFile(minute(i).relativePath(), jpeg(1000, static_cast<std::uint8_t>(i)));
	remote->addSymlink("latest.jpg", minute(69).relativePath());
	ASSERT_TRUE(round().ok);
	// The clock stepped back an hour: the next frame is named 00:10, its day marked.
	remote->addFile(minute(10).relativePath(), jpeg(1000, 10));
	remote->addFile(".out-of-order/2026-11-23.0a1b2c3d", {});
	remote->addSymlink("latest.jpg", minute(10).relativePath());
	auto r = round();
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.framesFetched, 1u);
	EXPECT_EQ(fs::read_symlink(root / "mirror/latest.jpg"), minute(10).relativePath())
		<< "the frame taken last, not the newest name of the day listed in full";
	EXPECT_EQ(r.watermark, minute(69));
}

TEST_F(APuller, DoesNotLetAFrameBehindItsWatermarkHoldItBack)
{
	addFrames(10);
	ASSERT_TRUE(round().ok);
	const common::FrameId a{ 30, 0, true }, b{ 90, 0, true };
	remote->addFile(a.relativePath(), jpeg(900, 7));
	remote->addFile(b.relativePath(), jpeg(900, 8));
	remote->addFile(".out-of-order/1970-01-01.0a1b2c3d", {});
	remote->failing.insert(a.relativePath()); // unreadable on the camera host, for now
	remote->addFile(minute(10).relativePath(), jpeg(1010, 10));
	remote->addSymlink("latest.jpg", minute(10).relativePath());
	auto r = round();
	EXPECT_EQ(r.watermark, minute(10)) << "the frame that failed is behind it, and holds nothing back";
	EXPECT_TRUE(fs::exists(root / "mirror" / b.relativePath()));
	EXPECT_EQ(remote->written[confirmation()], minute(10).stem() + "\n") << "1970 is not whole yet";

	remote->failing.clear();
	r = round();
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_TRUE(fs::exists(root / "mirror" / a.relativePath()));
	EXPECT_EQ(remote->written[confirmation()], minute(10).stem() + "\nout-of-order 1970-01-01.0a1b2c3d\n");
}

TEST_F(APuller, NeverMovesItsWatermarkPastItsOwnClock)
{
	// A camera clock ran years ahead (unsynchronized), named a frame 2037, then came right.
	addFrames(5);
	const common::FrameId ahead{ common::daysFromCivil(2037, 6, 1) * 86400, 0, true };
	remote->addFile(ahead.relativePath(), jpeg(900, 9));
	remote->addSymlink("latest.jpg", ahead.relativePath());
	auto r = round();
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.framesFetched, 6u) << "mirrored like any frame";
	EXPECT_TRUE(fs::exists(root / "mirror" / ahead.relativePath()));
	EXPECT_EQ(r.watermark, minute(4)) << "but not confirmed past this viewer's clock";
	EXPECT_EQ(fs::read_symlink(root / "mirror/latest.jpg"), ahead.relativePath());

	remote->addFile(minute(5).relativePath(), jpeg(1005, 5));
	remote->addSymlink("latest.jpg", minute(5).relativePath());
	r = round();
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(r.framesFetched, 1u) << "a frame named after the clock came right is not skipped";
	EXPECT_TRUE(fs::exists(root / "mirror" / minute(5).relativePath()));
	EXPECT_EQ(fs::read_symlink(root / "mirror/latest.jpg"), minute(5).relativePath());
}

TEST_F(APuller, LatestModeNeverListsFoldersNorConfirms)
{
	addFrames(4);
	options.mode = pull::PullMode::Latest;
	auto r = round();
	ASSERT_TRUE(r.ok);
	EXPECT_TRUE(remote->listed.empty());
	EXPECT_TRUE(remote->written.empty());
	EXPECT_EQ(fs::read_symlink(root / "mirror/latest.jpg"), minute(3).relativePath());
}

TEST_F(APuller, SaysThatTheRemoteStoreIsMissingInLatestModeToo)
{
	options.mode = pull::PullMode::Latest;
	auto r = round();
	EXPECT_FALSE(r.ok);
	EXPECT_NE(r.error.find("does not exist on the camera host"), std::string::npos) << r.error;
}

/// The fake, dropping the connection at its \a dropAt-th pump (after a pause in which the
/// commit threads get on with what they have).
class Dropping final : public pull::RemoteStore {
public:
	Dropping(std::unique_ptr<FakeRemoteStore> r, int dropAt) : r_(std::move(r)), dropAt_(dropAt) {}
	std::string describe() const override { return r_->describe(); }
	void requestLink(const std::string &p, LinkCallback d) override { r_->requestLink(p, std::move(d)); }
	void requestLstat(std::vector<std::string> p, LstatCallback d) override { r_->requestLstat(std::move(p), std::move(d)); }
	void requestList(const std::string &p, ListCallback d) override { r_->requestList(p, std::move(d)); }
	void requestWrite(const std::string &p, std::string c, std::function<void()> d) override
	{
		r_->requestWrite(p, std::move(c), std::move(d));
	}
	void startFetching(pull::FetchQueue &q) override { r_->startFetching(q); }
	void stopFetching() override { r_->stopFetching(); }
	std::size_t fetching() const override { return r_->fetching(); }
	void pump(std::optional<std::chrono::milliseconds> w) override
	{
		if (++pumps_ == dropAt_) {
			std::this_thread::sleep_for(std::chrono::milliseconds(300));
			throw pull::SshError(pull::SshError::Kind::Dropped, 0, "read from the server: connection reset");
		}
		r_->pump(w);
	}
	bool busy() const override { return r_->busy(); }

private:
	std::unique_ptr<FakeRemoteStore> r_;
	int dropAt_;
	int pumps_ = 0;
};

/// The fake, handing out at most \a frames files per connection, then dropping it at the
/// first pump after they are all in: a link that breaks after some frames came through.
class DroppingAfterFrames final : public pull::RemoteStore, private pull::FetchQueue {
public:
	DroppingAfterFrames(std::unique_ptr<FakeRemoteStore> r, std::size_t frames) : r_(std::move(r)), limit_(frames) {}
	std::string describe() const override { return r_->describe(); }
	void requestLink(const std::string &p, LinkCallback d) override { r_->requestLink(p, std::move(d)); }
	void requestLstat(std::vector<std::string> p, LstatCallback d) override { r_->requestLstat(std::move(p), std::move(d)); }
	void requestList(const std::string &p, ListCallback d) override { r_->requestList(p, std::move(d)); }
	void requestWrite(const std::string &p, std::string c, std::function<void()> d) override
	{
		r_->requestWrite(p, std::move(c), std::move(d));
	}
	void startFetching(pull::FetchQueue &q) override
	{
		queue_ = &q;
		r_->startFetching(*this);
	}
	void stopFetching() override { r_->stopFetching(); }
	std::size_t fetching() const override { return r_->fetching(); }
	void pump(std::optional<std::chrono::milliseconds> w) override
	{
		if (handed_ >= limit_ && finished_ >= limit_)
			throw pull::SshError(pull::SshError::Kind::Dropped, 0, "read from the server: connection reset");
		r_->pump(w);
	}
	bool busy() const override { return r_->busy() || handed_ >= limit_; }

private:
	std::optional<pull::FetchItem> next() override
	{
		if (handed_ >= limit_)
			return std::nullopt;
		auto item = queue_->next();
		handed_ += item.has_value();
		return item;
	}
	Size sizeOf(std::size_t id, std::uint64_t &size, std::uint64_t &offset) override
	{
		return queue_->sizeOf(id, size, offset);
	}
	void data(std::size_t id, std::uint64_t offset, std::span<const std::uint8_t> bytes) override
	{
		queue_->data(id, offset, bytes);
	}
	void done(std::size_t id) override
	{
		++finished_;
		queue_->done(id);
	}
	void failed(std::size_t id, const std::string &reason, bool gone) override
	{
		++finished_;
		queue_->failed(id, reason, gone);
	}
	bool keepGoing() override { return queue_->keepGoing(); }

	std::unique_ptr<FakeRemoteStore> r_;
	pull::FetchQueue *queue_ = nullptr;
	std::size_t limit_;
	std::size_t handed_ = 0;
	std::size_t finished_ = 0;
};

pull::RoundResult APuller::roundOverDroppingLinks(int &connects, const std::function<int(int)> &frames)
{
	pull::Puller p(
		"cam", root / "mirror",
		[&](const pull::RoundLimits &) -> std::unique_ptr<pull::RemoteStore> {
			auto fresh = std::make_unique<FakeRemoteStore>();
			fresh->nodes = remote->nodes;
			const int n = frames(++connects);
			if (n < 0)
				return fresh;
			return std::make_unique<DroppingAfterFrames>(std::move(fresh), static_cast<std::size_t>(n));
		},
		options, interrupt);
	return p.runRound();
}

TEST_F(APuller, RetriesPerOutageSoALinkThatDropsNowAndThenStillFinishes)
{
	// The link drops five times in one round, each time after 5 frames came in. With one
	// retry allowed, the round still finishes: an attempt that brought frames starts the
	// count afresh. (Counted per round, the second drop ended it.)
	addFrames(40);
	options.retries = 1;
	options.retryBackoff = std::chrono::milliseconds(1);
	int connects = 0;
	auto r = roundOverDroppingLinks(connects, [](int connect) { return connect <= 5 ? 5 : -1; });
	ASSERT_TRUE(r.ok) << r.error;
	EXPECT_EQ(connects, 6);
	EXPECT_EQ(r.attempts, 6u);
	EXPECT_EQ(r.backlog, 0u);
	EXPECT_EQ(r.framesFetched, 40u);
	for (int i = 0; i < 40; ++i)
		EXPECT_TRUE(fs::exists(root / "mirror" / minute(i).relativePath())) << i;
}

TEST_F(APuller, StillGivesUpWhenRetriesInARowBringNothing)
{
	// Per outage does not mean for ever: attempts that bring nothing count up to the limit.
	addFrames(10);
	options.retries = 2;
	options.retryBackoff = std::chrono::milliseconds(1);
	int connects = 0;
	auto r = roundOverDroppingLinks(connects, [](int) { return 0; });
	EXPECT_FALSE(r.ok);
	EXPECT_EQ(connects, 3);
	EXPECT_NE(r.error.find("connection reset"), std::string::npos) << r.error;
}

TEST_F(APuller, FinishesTheNextAttemptAfterCommitsFailedAndTheLinkDropped)
{
	// The commits fail (a file where the year folder goes) and the connection drops; the
	// next attempt finds the disk fixed. Whichever the round meets first, it must end: it
	// must never wait for commits that failed. A later round completes the mirror.
	addFrames(3);
	options.retryBackoff = std::chrono::milliseconds(1);
	fs::create_directories(root / "mirror");
	const fs::path obstacle = root / "mirror" / minute(0).dayPath().substr(0, 4);
	std::ofstream(obstacle) << "x";
	int connects = 0;
	pull::Puller p(
		"cam", root / "mirror",
		[&](const pull::RoundLimits &) -> std::unique_ptr<pull::RemoteStore> {
			auto fresh = std::make_unique<FakeRemoteStore>();
			fresh->nodes = remote->nodes;
			if (++connects == 2 && fs::is_regular_file(obstacle))
				fs::remove(obstacle);
			return std::make_unique<Dropping>(std::move(fresh), connects == 1 ? 3 : -1);
		},
		options, interrupt);
	auto running = std::async(std::launch::async, [&] { return p.runRound(); });
	if (running.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
		std::fprintf(stderr, "the round never finished\n");
		std::_Exit(3); // the thread spins: no clean way out of this test
	}
	auto first = running.get();
	// Either the drop came first (retried, and done) or the commit failure did (a local
	// error, not retried): both end the round.
	EXPECT_TRUE(first.ok || first.error.find("Not a directory") != std::string::npos) << first.error;
	if (fs::is_regular_file(obstacle))
		fs::remove(obstacle);
	auto again = p.runRound();
	ASSERT_TRUE(again.ok) << again.error;
	for (int i = 0; i < 3; ++i)
		EXPECT_TRUE(fs::exists(root / "mirror" / minute(i).relativePath())) << i;
}

class ALocalMirror : public APuller {};

TEST_F(ALocalMirror, ResumesAPartOnlyWhenTheRemoteFileIsUnchanged)
{
	pull::LocalMirror mirror(root / "m");
	pull::PlannedFrame f{ minute(1), 1000, 1700000000 };
	auto part = mirror.openPart(f, 0);
	auto bytes = jpeg(1000, 3);
	mirror.write(*part, 0, std::span(bytes.data(), 400));
	part.reset();
	char probe[64];
	if (::getxattr((root / "m" / minute(1).dayPath() / std::string(".").append(minute(1).fileName()).append(".part")).c_str(),
		       "user.lingercam.remote", probe, sizeof(probe)) < 0)
		GTEST_SKIP() << "this file system keeps no user xattrs, so parts restart instead of resuming";

	EXPECT_EQ(mirror.resumeOffset(f), 400u);
	EXPECT_EQ(mirror.resumeOffset({ minute(1), 1001, 1700000000 }), 0u) << "size changed";
	EXPECT_EQ(mirror.resumeOffset({ minute(1), 1000, 1700000001 }), 0u) << "mtime changed";

	auto resumed = mirror.openPart(f, 400);
	mirror.write(*resumed, 400, std::span(bytes.data() + 400, 600));
	EXPECT_FALSE(mirror.commit(std::move(resumed)));
	mirror.flush();
	EXPECT_EQ(readAll(root / "m" / minute(1).relativePath()), bytes);
	struct stat st;
	ASSERT_EQ(::stat((root / "m" / minute(1).relativePath()).c_str(), &st), 0);
	EXPECT_EQ(st.st_mtim.tv_sec, minute(1).seconds);
}

TEST_F(ALocalMirror, QueuesCommitsWithinTheDaemonsMemoryBudget)
{
	// A budget smaller than one frame: each commit still goes through (a mirror with
	// nothing queued always gets room), one at a time, and the budget is all given back.
	pull::MemoryBudget budget(500);
	{
		pull::LocalMirror mirror(root / "m", 2, &budget);
		for (int i = 0; i < 20; ++i)
			mirror.commitData({ minute(i), 1000, 1700000000 }, 0, jpeg(1000, static_cast<std::uint8_t>(i)));
		auto commits = mirror.flush();
		EXPECT_EQ(commits.size(), 20u);
		EXPECT_EQ(budget.used(), 0u);
	}
	for (int i = 0; i < 20; ++i)
		EXPECT_EQ(readAll(root / "m" / minute(i).relativePath()), jpeg(1000, static_cast<std::uint8_t>(i))) << i;
}

TEST_F(ALocalMirror, RefusesAFrameOfTheWrongSize)
{
	pull::LocalMirror mirror(root / "m");
	auto part = mirror.openPart({ minute(1), 2000, 0 }, 0);
	auto bytes = jpeg(1000, 3);
	mirror.write(*part, 0, bytes);
	auto problem = mirror.commit(std::move(part));
	ASSERT_TRUE(problem);
	EXPECT_NE(problem->find("size"), std::string::npos);
	EXPECT_FALSE(mirror.hasFrame(minute(1)));
}

// One reader for the mirror's own ".pulled" and the camera's confirmation files (the store
// layout's): the same text gives the same watermark, whatever ends its lines.
TEST_F(ALocalMirror, ReadsItsWatermarkAsTheCameraReadsAConfirmation)
{
	const fs::path dir = root / "m";
	fs::create_directories(dir);
	for (const char *text : { "20261123T193800Z\n", "20261123T193800Z\r\n", "20261123T193800Z \n", "20261123T193800Z",
				  "20261123T193800Z\nout-of-order 1970-01-01.00000000\n", "", "\n", "garbage\n" }) {
		std::ofstream(dir / ".pulled", std::ios::trunc) << text;
		pull::LocalMirror mirror(dir, 1);
		common::Store store(dir);
		EXPECT_EQ(mirror.watermark(), store.pulledWatermark()) << '"' << text << '"';
	}
	std::ofstream(dir / ".pulled", std::ios::trunc) << "20261123T193800Z\r\n";
	EXPECT_EQ(pull::LocalMirror(dir, 1).watermark()->stem(), "20261123T193800Z") << "a line ending in \\r\\n";
}

TEST_F(ALocalMirror, ListsADayByTheLayoutsRules)
{
	const fs::path day = root / "m" / "2026/11/23";
	fs::create_directories(day);
	for (const char *name : { "20261123T193800Z.jpg", ".20261123T193900Z.jpg.part", ".20261123T194000Z.jpg.tmp",
				  "20261124T000000Z.jpg" })
		std::ofstream(day / name) << "x";
	pull::LocalMirror mirror(root / "m", 1);
	const auto state = mirror.day("2026/11/23");
	ASSERT_EQ(state.frames.size(), 1u) << "a frame of another day is not this day's";
	EXPECT_EQ(state.frames.begin()->stem(), "20261123T193800Z");
	ASSERT_EQ(state.parts.size(), 1u);
	EXPECT_EQ(state.parts.begin()->stem(), "20261123T193900Z");
	EXPECT_TRUE(mirror.day("2026/11/24").frames.empty());
}

TEST(AProgressLine, ShowsFramesBytesRateAndEta)
{
	std::FILE *sink = std::tmpfile();
	pull::ProgressLine line(sink);
	pull::RoundProgress p;
	p.framesDone = 10;
	p.framesTotal = 40;
	p.bytesDone = 0;
	p.bytesTotal = 4 << 20;
	line.update("a", p);
	p.bytesDone = 1 << 20;
	line.update("a", p);
	std::string text = line.render(std::chrono::seconds(1));
	EXPECT_NE(text.find("frames 10/40"), std::string::npos) << text;
	EXPECT_NE(text.find("1.0 MiB/4.0 MiB"), std::string::npos) << text;
	EXPECT_NE(text.find("/s"), std::string::npos) << text;
	EXPECT_NE(text.find("ETA"), std::string::npos) << text;
	std::fclose(sink);
}

} // namespace
