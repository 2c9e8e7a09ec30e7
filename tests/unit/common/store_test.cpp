// SPDX-License-Identifier: BSD-2-Clause
// The camera store on real files: publish, latest.jpg, scans, retention, wrong clocks.
#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/fs_util.h"
#include "common/store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

using namespace lingercam;
using namespace std::chrono_literals;
using common::FrameId;
using common::RetentionPolicy;
using common::Confirmations;
using common::Store;
using Clock = common::Clock;
using test::utc;
namespace fs = std::filesystem;

namespace {

/// A JPEG-shaped payload of \a size bytes: SOI, the size as text, filler, EOI. A reader can
/// tell from its own bytes whether it is complete.
std::vector<std::uint8_t> fakeJpeg(std::size_t size, std::uint8_t fill)
{
	std::vector<std::uint8_t> data(size, fill);
	data[0] = 0xFF;
	data[1] = 0xD8;
	std::string len = std::to_string(size);
	std::copy(len.begin(), len.end(), data.begin() + 2);
	data[2 + len.size()] = ';';
	data[size - 2] = 0xFF;
	data[size - 1] = 0xD9;
	return data;
}

bool isCompleteFakeJpeg(const std::vector<std::uint8_t> &data)
{
	if (data.size() < 8 || data[0] != 0xFF || data[1] != 0xD8 || data[data.size() - 2] != 0xFF ||
	    data[data.size() - 1] != 0xD9)
		return false;
	std::size_t declared = std::strtoull(reinterpret_cast<const char *>(&data[2]), nullptr, 10);
	return declared == data.size();
}

std::vector<std::uint8_t> readAll(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> framesOnDisk(const fs::path &root)
{
	std::vector<std::string> out;
	for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
		if (it->is_regular_file() && common::parseFrameFileName(it->path().filename().string()))
			out.push_back(fs::relative(it->path(), root).string());
	std::sort(out.begin(), out.end());
	return out;
}

/// One frame of \a size bytes a day, at \a from's time of day, for \a days days.
void publishDaily(Store &store, Clock::WallTime from, int days, std::size_t size = 1000)
{
	for (int day = 0; day < days; ++day)
		store.publish(fakeJpeg(size, 1), from + std::chrono::hours(24 * day));
}

class AStore : public ::testing::Test {
protected:
	test::TempDir dir;
	fs::path root = dir / "store";
};

} // namespace

TEST_F(AStore, NeverShowsAReaderATornOrPartialFrameDuring1000Writes)
{
	Store store(root);
	std::atomic<bool> done{ false };
	std::atomic<int> framesChecked{ 0 }, latestChecked{ 0 }, passes{ 0 };
	std::vector<std::string> problems;

	// The reader lists every folder and opens every frame and latest.jpg while the writer runs.
	std::thread reader([&] {
		while (!done) {
			std::error_code ec;
			for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
			     it.increment(ec)) {
				std::string name = it->path().filename().string();
				if (name.front() == '.' || name == "latest.jpg" || it->is_directory(ec))
					continue; // work in progress or state: never a frame by the layout's rule
				if (!common::parseFrameFileName(name)) {
					problems.push_back("not a frame name: " + name);
					continue;
				}
				auto data = readAll(it->path());
				if (!isCompleteFakeJpeg(data))
					problems.push_back("torn frame: " + name + " size=" + std::to_string(data.size()));
				++framesChecked;
			}
			auto latest = readAll(root / "latest.jpg");
			if (!latest.empty()) {
				if (!isCompleteFakeJpeg(latest))
					problems.push_back("torn latest.jpg");
				++latestChecked;
			}
			++passes;
		}
	});

	std::mt19937 rng(42);
	auto t = utc(2026, 11, 23, 23, 0, 0);
	for (int i = 0; i < 1000; ++i) {
		std::size_t size = 20'000 + rng() % 200'000;
		store.publish(fakeJpeg(size, static_cast<std::uint8_t>(i)), t);
		t += 7s; // crosses midnight: new day folders appear while the reader lists
		// Every 25 frames the writer lets the reader finish a pass, so the two interleave
		// however fast the disk is (on tmpfs, 1000 writes take a tenth of a second).
		if (i % 25 == 24)
			for (int seen = passes.load(); passes.load() == seen;)
				std::this_thread::yield();
	}
	done = true;
	reader.join();

	EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
	EXPECT_GT(framesChecked.load(), 1000);
	EXPECT_GT(latestChecked.load(), 10);
	EXPECT_EQ(framesOnDisk(root).size(), 1000u);
	EXPECT_EQ(store.frameCount(), 1000u);
	for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
		EXPECT_FALSE(it->path().filename().string().ends_with(".tmp")) << it->path();
}

TEST_F(AStore, PointsLatestAtTheNewFrameWithARelativeSymlink)
{
	Store store(root);
	EXPECT_FALSE(store.latest());
	FrameId first = store.publish(fakeJpeg(100, 1), utc(2026, 11, 23, 19, 38, 0));
	FrameId second = store.publish(fakeJpeg(200, 2), utc(2026, 11, 23, 19, 39, 0));
	EXPECT_NE(first, second);
	EXPECT_EQ(fs::read_symlink(root / "latest.jpg"), "2026/11/23/20261123T193900Z.jpg");
	EXPECT_EQ(store.latest(), second);
	EXPECT_EQ(readAll(root / "latest.jpg").size(), 200u);
	// Relative: the store still works after being moved.
	fs::rename(root, dir / "moved");
	EXPECT_EQ(readAll(dir / "moved" / "latest.jpg").size(), 200u);
}

TEST_F(AStore, NeverOverwritesAFrameTakenInTheSameSecond)
{
	Store store(root);
	auto t = utc(2026, 11, 23, 19, 38, 0);
	FrameId a = store.publish(fakeJpeg(100, 1), t);
	FrameId b = store.publish(fakeJpeg(200, 2), t + 500ms);
	EXPECT_EQ(a.fileName(), "20261123T193800Z.jpg");
	EXPECT_EQ(b.fileName(), "20261123T193800Z-1.jpg");

	// A frame the index does not know of (another writer) is not overwritten either.
	{
		std::ofstream other(root / "2026/11/23/20261123T194000Z.jpg", std::ios::binary);
		other << "someone else's";
	}
	FrameId c = store.publish(fakeJpeg(300, 3), utc(2026, 11, 23, 19, 40, 0));
	EXPECT_EQ(c.fileName(), "20261123T194000Z-1.jpg");
	EXPECT_EQ(readAll(root / "2026/11/23/20261123T194000Z.jpg").size(), 14u);
	EXPECT_EQ(readAll(root / "2026/11/23/20261123T193800Z.jpg").size(), 100u);
}

TEST_F(AStore, RemovesLeftoversOfACrashAndIndexesFramesAtStart)
{
	fs::create_directories(root / "2026/11/22");
	fs::create_directories(root / "2026/11/23");
	std::ofstream(root / "2026/11/23/.20261123T193800Z.jpg.tmp") << "half a frame";
	std::ofstream(root / "2026/11/22/20261122T100000Z.jpg") << "frame one";
	std::ofstream(root / "2026/11/23/20261123T100000Z.jpg") << "frame two!";
	std::ofstream(root / "2026/11/23/notes.txt") << "not a frame";
	std::ofstream(root / "2026/11/22/20261123T110000Z.jpg") << "wrong day folder";

	std::vector<std::size_t> progress;
	Store store(root, {}, [&](std::size_t frames) { progress.push_back(frames); });
	EXPECT_EQ(progress, (std::vector<std::size_t>{ 1, 2 })) << "one report per day folder";
	EXPECT_EQ(store.leftoversRemoved(), 1u);
	EXPECT_FALSE(fs::exists(root / "2026/11/23/.20261123T193800Z.jpg.tmp"));
	ASSERT_EQ(store.frameCount(), 2u);
	EXPECT_EQ(store.frames()[0].id.stem(), "20261122T100000Z");
	EXPECT_EQ(store.frames()[1].id.stem(), "20261123T100000Z");
	EXPECT_EQ(store.totalBytes(), 9u + 10u);
	EXPECT_TRUE(fs::exists(root / "2026/11/23/notes.txt")) << "what is not ours is left alone";
}

TEST_F(AStore, DeletesOldestFramesFirstToStayUnderMaxBytes)
{
	Store store(root);
	auto t = utc(2026, 11, 23, 23, 50, 0);
	for (int i = 0; i < 20; ++i)
		store.publish(fakeJpeg(1000, 1), t + std::chrono::minutes(i)); // crosses into 11/24
	RetentionPolicy policy;
	policy.maxBytes = 5500;
	auto result = store.applyRetention(policy, t + 20min);
	EXPECT_EQ(result.deleted, 15u);
	EXPECT_EQ(store.frameCount(), 5u);
	EXPECT_EQ(store.totalBytes(), 5000u);
	auto left = framesOnDisk(root);
	ASSERT_EQ(left.size(), 5u);
	EXPECT_EQ(left.front(), "2026/11/24/20261124T000500Z.jpg");
	EXPECT_FALSE(fs::exists(root / "2026/11/23")) << "an emptied day folder is removed";
	EXPECT_EQ(store.latest()->stem(), "20261124T000900Z");
}

TEST_F(AStore, DeletesOldestFramesUntilTheMinimumFreeSpaceIsBack)
{
	std::uint64_t available = 10'000;
	Store store(root, [&](int) { return common::DiskSpace{ available, 1'000'000 }; });
	auto t = utc(2026, 11, 23, 10, 0, 0);
	for (int i = 0; i < 10; ++i)
		store.publish(fakeJpeg(8192, 1), t + std::chrono::minutes(i));

	RetentionPolicy policy;
	policy.minFreeBytes = 30'000; // 20,000 short: three 8 KiB frames free 24,576
	auto result = store.applyRetention(policy, t + 10min);
	EXPECT_EQ(result.deleted, 3u);
	EXPECT_EQ(framesOnDisk(root).front(), "2026/11/23/20261123T100300Z.jpg");

	policy = {};
	policy.minFreePercent = 50; // 500,000 of 1,000,000: cannot be reached
	result = store.applyRetention(policy, t + 10min);
	EXPECT_TRUE(result.spaceStillLow);
	EXPECT_EQ(store.frameCount(), 1u) << "the newest frame is never deleted";
	EXPECT_EQ(store.latest()->stem(), "20261123T100900Z");
}

TEST_F(AStore, DeletesFramesOlderThanMaxAge)
{
	Store store(root);
	auto t = utc(2026, 11, 1, 12, 0, 0);
	publishDaily(store, t, 10, 500);
	RetentionPolicy policy;
	policy.maxAge = std::chrono::hours(24 * 3);
	auto result = store.applyRetention(policy, t + std::chrono::hours(24 * 9));
	EXPECT_EQ(result.deleted, 6u); // on 11/10 12:00, 11/01 to 11/06 are older than 3 days; 11/07 is exactly 3
	EXPECT_EQ(framesOnDisk(root).front(), "2026/11/07/20261107T120000Z.jpg");
}

TEST_F(AStore, DeletesFramesPullConfirmedBeforeFramesItHasNot)
{
	Store store(root);
	auto t = utc(2026, 11, 1, 12, 0, 0);
	publishDaily(store, t, 10);
	// pull holds everything up to day 3 (2026-11-03)
	common::writeFileAtomic(root / ".pulled", "20261103T120000Z\n");

	// Age: only confirmed frames age out; the unpulled day-4 frame stays although it is old.
	RetentionPolicy age;
	age.maxAge = std::chrono::hours(24 * 2);
	auto result = store.applyRetention(age, t + std::chrono::hours(24 * 9));
	EXPECT_EQ(result.deleted, 3u);
	EXPECT_EQ(result.deletedUnpulled, 0u);
	EXPECT_EQ(framesOnDisk(root).front(), "2026/11/04/20261104T120000Z.jpg");

	// Space: when the disk must be freed, unpulled frames go too, oldest first, and are counted.
	common::writeFileAtomic(root / ".pulled", "20261105T120000Z\n");
	RetentionPolicy bytes;
	bytes.maxBytes = 3000;
	result = store.applyRetention(bytes, t + std::chrono::hours(24 * 9));
	EXPECT_EQ(result.deleted, 4u);          // 11/04, 11/05 pulled; 11/06, 11/07 not
	EXPECT_EQ(result.deletedUnpulled, 2u);
	EXPECT_EQ(framesOnDisk(root).front(), "2026/11/08/20261108T120000Z.jpg");
}

TEST_F(AStore, MakesRoomForTheNextFrameOnAFullDiskEvenWithoutMinFree)
{
	// Something else filled the disk: 2,000 bytes left, and the next frame is 8 KiB.
	std::uint64_t available = 2'000;
	Store store(root, [&](int) { return common::DiskSpace{ available, 1'000'000 }; });
	auto t = utc(2026, 11, 23, 10, 0, 0);
	for (int i = 0; i < 10; ++i)
		store.publish(fakeJpeg(8192, 1), t + std::chrono::minutes(i));
	RetentionPolicy off; // no min_free, no max_bytes
	off.minFreePercent = 0;
	EXPECT_EQ(store.applyRetention(off, t + 10min).deleted, 0u) << "nothing to write, nothing deleted";
	// The frame's 8 KiB and a folder's block: two 8 KiB frames free 16,384 of the 10,288 wanted.
	auto result = store.applyRetention(off, t + 10min, 8192);
	EXPECT_EQ(result.deleted, 2u);
	EXPECT_EQ(framesOnDisk(root).front(), "2026/11/23/20261123T100200Z.jpg");
}

TEST_F(AStore, KeepsAFrameUntilEveryViewerThatStillConfirmsHasIt)
{
	Store store(root);
	const auto t = utc(2026, 11, 1, 12, 0, 0);
	publishDaily(store, t, 10);
	const auto now = t + std::chrono::hours(24 * 9);
	auto setMtime = [&](const std::string &name, Clock::WallTime when) {
		const timespec times[2] = { { std::chrono::system_clock::to_time_t(when), 0 },
					    { std::chrono::system_clock::to_time_t(when), 0 } };
		ASSERT_EQ(::utimensat(AT_FDCWD, (root / name).c_str(), times, 0), 0);
	};
	// Two viewers, each with its own file: one has everything up to 11/06, the other up to
	// 11/03. The temporary file of a write in progress is no viewer.
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d", "20261106T120000Z\n");
	common::writeFileAtomic(root / ".pulled.laptop-0f0e0d0c", "20261103T120000Z\n");
	common::writeFileAtomic(root / ".pulled.laptop-0f0e0d0c.tmp", "20261109T120000Z\n");
	setMtime(".pulled.pullpi-1a2b3c4d", now - std::chrono::hours(1));
	setMtime(".pulled.laptop-0f0e0d0c", now - std::chrono::hours(24 * 20));
	Confirmations c = store.confirmations(now, std::chrono::hours(24 * 30));
	EXPECT_TRUE(c.pullRuns);
	ASSERT_TRUE(c.watermark);
	EXPECT_EQ(c.watermark->stem(), "20261103T120000Z") << "a frame is pulled once both viewers have it";
	EXPECT_EQ(c.viewers.size(), 2u);

	RetentionPolicy age;
	age.maxAge = std::chrono::hours(24);
	auto result = store.applyRetention(age, now);
	EXPECT_EQ(result.deleted, 3u); // 11/01-11/03: both viewers have them
	EXPECT_EQ(framesOnDisk(root).front(), "2026/11/04/20261104T120000Z.jpg");

	// The laptop has not confirmed for 31 days: it is no longer waited for.
	setMtime(".pulled.laptop-0f0e0d0c", now - std::chrono::hours(24 * 31));
	c = store.confirmations(now, std::chrono::hours(24 * 30));
	EXPECT_EQ(c.forgotten, std::vector<std::string>{ ".pulled.laptop-0f0e0d0c" });
	EXPECT_EQ(c.watermark->stem(), "20261106T120000Z");
	age.forgetViewerAfter = std::chrono::hours(24 * 30);
	result = store.applyRetention(age, now);
	EXPECT_EQ(result.deleted, 3u); // 11/04-11/06
	EXPECT_EQ(result.deletedUnpulled, 0u);

	// A viewer that confirms nothing yet (its first write cut short) holds every frame back.
	common::writeFileAtomic(root / ".pulled.new-00000000", "");
	setMtime(".pulled.new-00000000", now);
	c = store.confirmations(now, std::chrono::hours(24 * 30));
	EXPECT_TRUE(c.pullRuns);
	EXPECT_FALSE(c.watermark);
	EXPECT_EQ(store.applyRetention(age, now).deleted, 0u);
}

TEST_F(AStore, KeepsFramesPastMaxAgeWhenPulledConfirmsNothing)
{
	// An empty .pulled (a write cut short by a full disk on the camera host) still says pull
	// runs: frames it has not confirmed do not age out.
	Store store(root);
	const auto t = utc(2026, 11, 1, 12, 0, 0);
	for (int d = 0; d < 4; ++d)
		store.publish(fakeJpeg(100, 1), t + std::chrono::hours(24 * d));
	common::writeFileAtomic(root / ".pulled", "");
	bool exists = false;
	EXPECT_FALSE(store.pulledWatermark(&exists));
	EXPECT_TRUE(exists);
	RetentionPolicy age;
	age.maxAge = std::chrono::hours(24);
	auto result = store.applyRetention(age, t + std::chrono::hours(24 * 9));
	EXPECT_EQ(result.deleted, 0u);
	EXPECT_EQ(framesOnDisk(root).size(), 4u);
}

TEST_F(AStore, IgnoresAnInvalidPulledFile)
{
	Store store(root);
	store.publish(fakeJpeg(100, 1), utc(2026, 11, 1, 12, 0, 0));
	common::writeFileAtomic(root / ".pulled", "../../etc/passwd");
	EXPECT_FALSE(store.pulledWatermark());
	common::writeFileAtomic(root / ".pulled", "20261101T120000Z\n");
	EXPECT_EQ(store.pulledWatermark()->stem(), "20261101T120000Z");
}

namespace {

/// The out-of-order marks in the store's ".out-of-order" folder, as file names.
std::vector<std::string> marks(const fs::path &root)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (const auto &e : fs::directory_iterator(root / ".out-of-order", ec))
		out.push_back(e.path().filename().string());
	std::sort(out.begin(), out.end());
	return out;
}

} // namespace

TEST_F(AStore, NamesAFrameFromAnUnsynchronizedClockAndMarksItsDay)
{
	Store store(root);
	const auto id = store.publish(fakeJpeg(500, 1), utc(1970, 1, 1, 0, 0, 12), common::ClockTrust::Unsynchronized);
	EXPECT_EQ(id.relativePath(), "1970/01/01/19700101T000012Z-unsynced.jpg");
	EXPECT_TRUE(fs::is_regular_file(root / id.relativePath()));
	EXPECT_EQ(fs::read_symlink(root / "latest.jpg"), id.relativePath());
	EXPECT_EQ(store.unsyncedCount(), 1u);
	const auto m = marks(root);
	ASSERT_EQ(m.size(), 1u);
	EXPECT_TRUE(m[0].starts_with("1970-01-01.")) << m[0];
	EXPECT_EQ(store.outOfOrderDays().days().count("1970/01/01"), 1u);
	// The same second, the clock still unsynchronized: a second frame, never an overwrite.
	const auto again = store.publish(fakeJpeg(500, 2), utc(1970, 1, 1, 0, 0, 12), common::ClockTrust::Unsynchronized);
	EXPECT_EQ(again.fileName(), "19700101T000012Z-1-unsynced.jpg");
	EXPECT_EQ(marks(root).size(), 1u) << "one mark per day, its token new";
	EXPECT_NE(marks(root), m);
	// Indexed again at the next start.
	Store reopened(root);
	EXPECT_EQ(reopened.unsyncedCount(), 2u);
	EXPECT_EQ(reopened.outOfOrderDays().days().size(), 1u);
}

TEST_F(AStore, MarksTheDayOfAFrameNamedBeforeTheNewestOne)
{
	// A clock stepped back an hour, with nothing to say it is wrong: the frame is named as
	// the clock reads, and its day is marked, since a viewer may have passed that time.
	Store store(root);
	const auto t = utc(2026, 11, 23, 10, 0, 0);
	store.publish(fakeJpeg(500, 1), t);
	store.publish(fakeJpeg(500, 1), t + 1min);
	EXPECT_TRUE(marks(root).empty()) << "frames in order mark nothing";
	const auto back = store.publish(fakeJpeg(500, 1), t - 1h + 2min, common::ClockTrust::Unknown);
	EXPECT_EQ(back.fileName(), "20261123T090200Z.jpg");
	ASSERT_EQ(marks(root).size(), 1u);
	EXPECT_TRUE(marks(root)[0].starts_with("2026-11-23."));
	EXPECT_EQ(fs::read_symlink(root / "latest.jpg"), back.relativePath()) << "latest.jpg is the frame taken last";
}

TEST_F(AStore, DoesNotCountFramesAheadOfASynchronizedClockAsTheNewest)
{
	// A clock that ran a year ahead, unsynchronized, then NTP put it right: the frames it named
	// do not make every later frame out of order.
	Store store(root);
	const auto now = utc(2026, 11, 23, 10, 0, 0);
	store.publish(fakeJpeg(500, 1), now - 1h, common::ClockTrust::Synchronized);
	store.publish(fakeJpeg(500, 1), now + std::chrono::hours(24 * 365), common::ClockTrust::Unsynchronized);
	ASSERT_EQ(marks(root).size(), 1u);
	EXPECT_TRUE(marks(root)[0].starts_with("2027-11-23."));
	for (int i = 0; i < 3; ++i)
		store.publish(fakeJpeg(500, 1), now + std::chrono::minutes(i), common::ClockTrust::Synchronized);
	EXPECT_EQ(marks(root).size(), 1u) << "the frames after the clock came right are in order";
	// Without timedate1's word, the frame a year ahead is the newest: a later one is marked.
	store.publish(fakeJpeg(500, 1), now + 5min, common::ClockTrust::Unknown);
	EXPECT_EQ(marks(root).size(), 2u);
}

TEST_F(AStore, KeepsAnOutOfOrderFrameUntilEveryViewerConfirmsItsDayWhole)
{
	Store store(root);
	const auto t = utc(2026, 11, 1, 12, 0, 0);
	publishDaily(store, t, 5);
	// After a reboot the clock says 1970 until NTP syncs.
	const auto stray = store.publish(fakeJpeg(1000, 1), utc(1970, 1, 1, 0, 0, 30), common::ClockTrust::Unsynchronized);
	const std::string token = store.outOfOrderDays().days().at("1970/01/01");
	// NTP synced: the next frame is named right.
	store.publish(fakeJpeg(1000, 1), t + std::chrono::hours(24 * 4 + 1), common::ClockTrust::Synchronized);
	// The viewer's watermark is past 1970, but it has not said it holds that day.
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d", "20261105T120000Z\n");
	RetentionPolicy age;
	age.maxAge = std::chrono::hours(24);
	const auto now = t + std::chrono::hours(24 * 4);
	auto result = store.applyRetention(age, now);
	EXPECT_EQ(result.deleted, 3u) << "11/01-11/03 age out; the 1970 frame is not pulled yet";
	EXPECT_TRUE(fs::exists(root / stray.relativePath()));

	// An old token confirms nothing.
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d", "20261105T120000Z\nout-of-order 1970-01-01.00000000\n");
	EXPECT_EQ(store.applyRetention(age, now).deleted, 0u);
	EXPECT_EQ(store.outOfOrderDays().days().size(), 1u);

	// A second viewer has it whole, the first not yet: still kept.
	common::writeFileAtomic(root / ".pulled.laptop-0f0e0d0c",
				"20261105T120000Z\nout-of-order 1970-01-01." + token + "\n");
	EXPECT_EQ(store.applyRetention(age, now).deleted, 0u);

	// Both have it: the mark is retired, and the frame ages out like any pulled frame.
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d",
				"20261105T120000Z\nout-of-order 1970-01-01." + token + "\nsomething a newer pull says\n");
	result = store.applyRetention(age, now);
	EXPECT_TRUE(marks(root).empty());
	EXPECT_FALSE(fs::exists(root / stray.relativePath()));
	EXPECT_FALSE(fs::exists(root / "1970")) << "its empty folders go with it";
	EXPECT_EQ(result.deleted, 1u);
	EXPECT_EQ(store.unsyncedCount(), 0u);
}

TEST_F(AStore, NeverDeletesTheFrameLatestPointsAt)
{
	// After a step back latest.jpg points at a frame older by name than others: it stays.
	Store store(root);
	const auto t = utc(2026, 11, 23, 10, 0, 0);
	store.publish(fakeJpeg(1000, 1), t);
	const auto back = store.publish(fakeJpeg(1000, 1), t - std::chrono::hours(1));
	RetentionPolicy bytes;
	bytes.maxBytes = 1;
	EXPECT_EQ(store.applyRetention(bytes, t).deleted, 0u);
	EXPECT_TRUE(fs::exists(root / back.relativePath()));
	EXPECT_EQ(fs::read_symlink(root / "latest.jpg"), back.relativePath());
}

TEST_F(AStore, RetiresTheMarkOfADayRetentionEmptied)
{
	Store store(root);
	const auto t = utc(2026, 11, 23, 10, 0, 0);
	store.publish(fakeJpeg(1000, 1), t);
	store.publish(fakeJpeg(1000, 1), t - std::chrono::hours(48)); // out of order, no viewer
	store.publish(fakeJpeg(1000, 1), t + std::chrono::minutes(1));
	ASSERT_EQ(marks(root).size(), 1u);
	RetentionPolicy bytes;
	bytes.maxBytes = 2000;
	EXPECT_EQ(store.applyRetention(bytes, t).deleted, 1u);
	EXPECT_TRUE(marks(root).empty());
}

TEST_F(AStore, ReplacesTheTwoTokensACrashLeftForADayByANewOne)
{
	{
		Store store(root);
		store.publish(fakeJpeg(500, 1), utc(2026, 11, 23, 10, 0, 0), common::ClockTrust::Unsynchronized);
	}
	// A crash between the new token's file and the old one's removal.
	std::ofstream(root / ".out-of-order" / "2026-11-23.0000abcd");
	ASSERT_EQ(marks(root).size(), 2u);
	Store store(root);
	const auto m = marks(root);
	ASSERT_EQ(m.size(), 1u);
	EXPECT_NE(m[0], "2026-11-23.0000abcd");
	EXPECT_EQ("2026-11-23." + store.outOfOrderDays().days().at("2026/11/23"), m[0]);
}

TEST_F(AStore, AgesOutPulledFramesPastAnUnconfirmedOutOfOrderOne)
{
	// One lagging viewer confirmation of a 1970 frame must not hold back every other frame.
	Store store(root);
	const auto t = utc(2026, 11, 1, 12, 0, 0);
	publishDaily(store, t, 5);
	const auto stray = store.publish(fakeJpeg(1000, 1), utc(1970, 1, 1, 0, 0, 30), common::ClockTrust::Unsynchronized);
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d", "20261105T120000Z\n");
	RetentionPolicy age;
	age.maxAge = std::chrono::hours(24);
	const auto result = store.applyRetention(age, t + std::chrono::hours(24 * 4));
	EXPECT_EQ(result.deleted, 3u) << "11/01-11/03 age out; the 1970 frame waits for its day's confirmation";
	EXPECT_TRUE(fs::exists(root / stray.relativePath()));
	EXPECT_EQ(framesOnDisk(root).size(), 3u);
}

TEST_F(AStore, MakesRoomFromFramesEveryViewerHasBeforeAnUnconfirmedOutOfOrderOne)
{
	Store store(root);
	const auto t = utc(2026, 11, 1, 12, 0, 0);
	publishDaily(store, t, 5);
	const auto stray = store.publish(fakeJpeg(1000, 1), utc(1970, 1, 1, 0, 0, 30), common::ClockTrust::Unsynchronized);
	store.publish(fakeJpeg(1000, 1), t + std::chrono::hours(24 * 5), common::ClockTrust::Synchronized);
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d", "20261105T120000Z\n");
	RetentionPolicy bytes;
	bytes.maxBytes = 3000;
	auto result = store.applyRetention(bytes, t + std::chrono::hours(24 * 5));
	EXPECT_EQ(result.deleted, 4u); // 11/01-11/04
	EXPECT_EQ(result.deletedUnpulled, 0u) << "the oldest by name is not the first to go";
	EXPECT_TRUE(fs::exists(root / stray.relativePath()));
	// Only when nothing every viewer has is left does it go, counted as not pulled.
	bytes.maxBytes = 1000;
	result = store.applyRetention(bytes, t + std::chrono::hours(24 * 5));
	EXPECT_FALSE(fs::exists(root / stray.relativePath()));
	EXPECT_EQ(result.deletedUnpulled, 1u);
}

TEST_F(AStore, NeitherAgesFramesNorForgetsViewersByAClockKnownToBeWrong)
{
	Store store(root);
	const auto t = utc(2026, 11, 1, 12, 0, 0);
	publishDaily(store, t, 5);
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d", "20261102T120000Z\n");
	RetentionPolicy age;
	age.maxAge = std::chrono::hours(24);
	// The clock reads 2037 and timedate1 says it is not synchronized: the viewer's file looks
	// years old, and every frame too.
	const auto wrong = utc(2037, 6, 1, 0, 0, 0);
	EXPECT_EQ(store.applyRetention(age, wrong, 0, common::ClockTrust::Unsynchronized).deleted, 0u);
	// A confirmation written while the clock read 1970 says nothing of the viewer's age.
	const timespec old[2] = { { 60, 0 }, { 60, 0 } };
	ASSERT_EQ(::utimensat(AT_FDCWD, (root / ".pulled.pullpi-1a2b3c4d").c_str(), old, 0), 0);
	const auto c = store.confirmations(t + std::chrono::hours(24 * 4), std::chrono::hours(24 * 30));
	EXPECT_TRUE(c.forgotten.empty());
	EXPECT_EQ(c.viewers.size(), 1u);
	// With the clock right again, the frames the viewer has age out as usual.
	EXPECT_EQ(store.applyRetention(age, t + std::chrono::hours(24 * 4), 0, common::ClockTrust::Synchronized).deleted, 2u);
}

TEST_F(AStore, SavesAFrameWhoseDayCannotBeMarkedAndMarksItLater)
{
	Store store(root);
	store.publish(fakeJpeg(1000, 1), utc(2026, 11, 23, 10, 0, 0));
	// Something made ".out-of-order" a file: no mark can be written there.
	std::ofstream(root / ".out-of-order") << "x";
	const auto back = store.publish(fakeJpeg(1000, 2), utc(2026, 11, 23, 9, 0, 0));
	EXPECT_TRUE(fs::exists(root / back.relativePath())) << "the frame is saved all the same";
	EXPECT_TRUE(store.outOfOrderDays().marked("2026/11/23"));
	EXPECT_EQ(store.outOfOrderDays().token("2026/11/23"), nullptr) << "pending: confirmed by nobody";
	// Pending, its frames are not pulled whatever a viewer says.
	common::writeFileAtomic(root / ".pulled.pullpi-1a2b3c4d", "20261123T100000Z\n");
	RetentionPolicy age;
	age.maxAge = std::chrono::hours(1);
	EXPECT_EQ(store.applyRetention(age, utc(2026, 11, 24, 0, 0, 0)).deleted, 0u);
	fs::remove(root / ".out-of-order");
	store.applyRetention(age, utc(2026, 11, 23, 10, 0, 30));
	EXPECT_TRUE(store.outOfOrderDays().pending().empty());
	EXPECT_NE(store.outOfOrderDays().token("2026/11/23"), nullptr);
	EXPECT_EQ(marks(root).size(), 1u);
}

TEST_F(AStore, GivesEveryMarkANewTokenAtStart)
{
	// A frame published just before a crash may have followed the token a viewer confirmed
	// without it: after a restart no old token confirms anything.
	std::string before;
	{
		Store store(root);
		store.publish(fakeJpeg(500, 1), utc(2026, 11, 23, 10, 0, 0), common::ClockTrust::Unsynchronized);
		before = store.outOfOrderDays().days().at("2026/11/23");
	}
	Store store(root);
	EXPECT_NE(store.outOfOrderDays().days().at("2026/11/23"), before);
	EXPECT_EQ(marks(root).size(), 1u);
}
