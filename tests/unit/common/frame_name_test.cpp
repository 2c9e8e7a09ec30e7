// SPDX-License-Identifier: BSD-2-Clause
// Frame names: formatting, parsing and order.
#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

#include "common/store.h"
#include "common/store_layout.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

using namespace lingercam;
using common::FrameId;
using test::utc;

namespace {

/// Sets TZ for one test and restores it.
class LocalZone {
public:
	explicit LocalZone(const char *zone)
	{
		if (const char *old = std::getenv("TZ"))
			old_ = old;
		::setenv("TZ", zone, 1);
		::tzset();
	}
	~LocalZone()
	{
		if (old_.empty())
			::unsetenv("TZ");
		else
			::setenv("TZ", old_.c_str(), 1);
		::tzset();
	}

private:
	std::string old_;
};

} // namespace

TEST(AFrameName, IsUtcInIsoBasicFormat)
{
	FrameId id{ std::chrono::duration_cast<std::chrono::seconds>(utc(2026, 11, 23, 19, 38, 0).time_since_epoch()).count(),
		    0 };
	EXPECT_EQ(id.fileName(), "20261123T193800Z.jpg");
	EXPECT_EQ(id.relativePath(), "2026/11/23/20261123T193800Z.jpg");
	EXPECT_EQ(id.exifTime(), "2026:11:23 19:38:00");
	EXPECT_EQ((FrameId{ id.seconds, 2 }).fileName(), "20261123T193800Z-2.jpg");
}

TEST(AFrameName, RoundTripsThroughTheParser)
{
	for (std::int64_t s : { 0LL, 951782400LL /* 2000-02-29 */, 1795462680LL, 4102444799LL }) {
		for (unsigned seq : { 0u, 1u, 999u }) {
			FrameId id{ s, seq };
			auto parsed = common::parseFrameRelativePath(id.relativePath());
			ASSERT_TRUE(parsed) << id.relativePath();
			EXPECT_EQ(*parsed, id);
		}
	}
}

TEST(AFrameName, MarksAFrameFromAnUnsynchronizedClockWhereAPersonSeesIt)
{
	const FrameId id{ 0, 0, true };
	EXPECT_EQ(id.relativePath(), "1970/01/01/19700101T000000Z-unsynced.jpg");
	EXPECT_EQ((FrameId{ 1795462680, 2, true }).fileName(), "20261123T193800Z-2-unsynced.jpg");
	for (const FrameId &f : { id, FrameId{ 1795462680, 2, true }, FrameId{ 4102444799, 999, true } }) {
		auto parsed = common::parseFrameRelativePath(f.relativePath());
		ASSERT_TRUE(parsed) << f.relativePath();
		EXPECT_EQ(*parsed, f);
		EXPECT_TRUE(parsed->unsynced);
	}
	// Two files, two frames: the same second named by a synchronized and an unsynchronized
	// clock.
	EXPECT_NE((FrameId{ 1795462680, 0, true }), (FrameId{ 1795462680, 0, false }));
}

TEST(AFrameName, RejectsAnythingThatIsNotExactlyAFrame)
{
	for (const char *bad : { "20261123T193800Z.jpeg", "20261123T193800.jpg", "20261323T193800Z.jpg",
				 "20260230T120000Z.jpg", "20261123T246000Z.jpg", "20261123T193800Z-0.jpg",
				 "20261123T193800Z-01.jpg", "20261123T193800Z-1000.jpg", "../20261123T193800Z.jpg",
				 ".20261123T193800Z.jpg.tmp", "20261123T193800Z.jpg/", "2026112xT193800Z.jpg", "",
				 "latest.jpg", "20261123T193800Z-unsynced-1.jpg", "20261123T193800Z-unsynced-unsynced.jpg",
				 "20261123T193800Z-0-unsynced.jpg", "20261123T193800Zunsynced.jpg", "-unsynced.jpg",
				 "20261123T193800Z-UNSYNCED.jpg" })
		EXPECT_FALSE(common::parseFrameFileName(bad)) << bad;
	EXPECT_FALSE(common::parseFrameRelativePath("2026/11/24/20261123T193800Z.jpg")) << "folder must match the name";
	EXPECT_FALSE(common::parseFrameRelativePath("2026/11/23/../20261123T193800Z.jpg"));
}

TEST(AFrameName, NeitherCollidesNorReordersAcrossADaylightSavingChange)
{
	// Berlin leaves summer time on 2026-10-25: 02:00-03:00 local happens twice. UTC names
	// of frames taken through that hour are distinct and sort in capture order.
	LocalZone zone("Europe/Berlin");
	test::TempDir dir;
	common::Store store(dir.path());
	std::vector<std::string> names;
	const std::vector<std::uint8_t> jpeg{ 0xFF, 0xD8, 0xFF, 0xD9 };
	for (auto t = utc(2026, 10, 24, 23, 30, 0); t <= utc(2026, 10, 25, 2, 30, 0); t += std::chrono::minutes(30))
		names.push_back(store.publish(jpeg, t).stem());
	// 00:30Z and 01:30Z are both 02:30 local time; their names differ.
	EXPECT_EQ(names, (std::vector<std::string>{ "20261024T233000Z", "20261025T000000Z", "20261025T003000Z",
						     "20261025T010000Z", "20261025T013000Z", "20261025T020000Z",
						     "20261025T023000Z" }));
	EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
	EXPECT_EQ(store.frameCount(), names.size());
}
