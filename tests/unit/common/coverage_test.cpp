// SPDX-License-Identifier: BSD-2-Clause
// Coverage: slots of a day, the missing ones and the longest gaps.
#include <gtest/gtest.h>

#include <fstream>

#include "common/coverage.h"
#include "common/store_layout.h"
#include "support/temp_dir.h"

using namespace lingercam;
using namespace std::chrono_literals;

TEST(ACoverage, HasASlotPerIntervalAndFindsTheFramesInThem)
{
	std::vector<std::int64_t> times;
	for (int m = 0; m < 1440; ++m)
		if (m < 600 || m >= 654) // 54 minutes missing from 10:00
			times.push_back(m * 60 + 7);
	const common::Coverage c(times, 0, 86400, 60s, 86400);
	EXPECT_EQ(c.slots(), 1440u);
	EXPECT_EQ(c.expected(), 1440u);
	EXPECT_EQ(c.found(), 1386u);
	EXPECT_FALSE(c.present(600));
	EXPECT_TRUE(c.present(654));
	const auto gaps = c.longestGaps(3);
	ASSERT_EQ(gaps.size(), 1u);
	EXPECT_EQ(gaps[0].start, 600 * 60);
	EXPECT_EQ(gaps[0].end, 654 * 60);
	EXPECT_EQ(gaps[0].slots, 54u);
	EXPECT_NEAR(c.ratio(), 1386.0 / 1440, 1e-9);
}

TEST(ACoverage, ExpectsNothingOfTheFuture)
{
	// At 06:00, with frames every minute until 05:00: 300 found of 360 expected.
	std::vector<std::int64_t> times;
	for (int m = 0; m < 300; ++m)
		times.push_back(m * 60);
	const common::Coverage c(times, 0, 86400, 60s, 6 * 3600);
	EXPECT_EQ(c.expected(), 360u);
	EXPECT_EQ(c.found(), 300u);
	EXPECT_TRUE(c.future(360));
	EXPECT_FALSE(c.future(359));
	ASSERT_EQ(c.longestGaps(5).size(), 1u);
	EXPECT_EQ(c.longestGaps(5)[0].slots, 60u) << "the future is no gap";
}

TEST(ACoverage, OrdersGapsLongestFirstAndCountsFramesOutsideTheWindowNowhere)
{
	std::vector<std::int64_t> times{ -60, 0, 60, /* 120, 180 */ 240, /* 300 */ 360, 86400 };
	const common::Coverage c(times, 0, 420, 60s, 420);
	EXPECT_EQ(c.found(), 4u);
	const auto gaps = c.longestGaps(5);
	ASSERT_EQ(gaps.size(), 2u);
	EXPECT_EQ(gaps[0].slots, 2u);
	EXPECT_EQ(gaps[1].slots, 1u);
}

TEST(AnInferredInterval, IsTheMedianGapBetweenFrames)
{
	EXPECT_EQ(common::inferInterval({ 0, 60, 120, 180, 3600, 3660 }, 1s), 60s) << "a gap does not move it";
	EXPECT_EQ(common::inferInterval({ 0, 30, 30, 60, 90 }, 1s), 30s) << "duplicates passed over";
	EXPECT_EQ(common::inferInterval({ 0, 60 }, 45s), 45s) << "too few frames: the fallback";
}

TEST(AGroupedNumber, ReadsAsAPersonWritesIt)
{
	EXPECT_EQ(common::groupDigits(0), "0");
	EXPECT_EQ(common::groupDigits(999), "999");
	EXPECT_EQ(common::groupDigits(1440), "1,440");
	EXPECT_EQ(common::groupDigits(525600), "525,600");
}

TEST(ARecentCoverage, ReadsTheDayFoldersOfTheLast24HoursAndSetsUnsyncedFramesApart)
{
	test::TempDir dir;
	auto put = [&](const common::FrameId &id) {
		std::filesystem::create_directories((dir / id.dayPath()));
		std::ofstream(dir / id.relativePath()) << "x";
	};
	const std::int64_t day = common::daysFromCivil(2026, 11, 23) * 86400;
	// From 12:00 on the 22nd to 12:00 on the 23rd, a frame a minute but for an hour at night.
	for (std::int64_t t = day - 43200; t < day + 43200; t += 60)
		if (t < day + 3600 || t >= day + 7200)
			put(common::FrameId{ t });
	put(common::FrameId{ 30, 0, true });
	put(common::FrameId{ day + 600, 0, true });
	std::size_t unsynced = 0;
	const auto c = common::recentCoverage(dir.path(), day + 43200, std::chrono::hours(24), &unsynced);
	EXPECT_EQ(c.expected(), 1440u);
	EXPECT_EQ(c.found(), 1380u);
	EXPECT_EQ(c.interval(), 60s);
	EXPECT_EQ(unsynced, 1u) << "the 1970 one is outside the window";
	const std::string text = common::describeCoverage(c, unsynced);
	EXPECT_NE(text.find("1,380 of 1,440 frames (95.8 %), one every 1m"), std::string::npos) << text;
	EXPECT_NE(text.find("1 named by an unsynchronized clock"), std::string::npos) << text;
	EXPECT_NE(text.find("longest gaps: "), std::string::npos) << text;
	EXPECT_NE(text.find(", 1h"), std::string::npos) << text;
}

TEST(ARecentCoverage, CountsSlotsAtTheConfiguredIntervalWhenItIsKnown)
{
	test::TempDir dir;
	const std::int64_t day = common::daysFromCivil(2026, 11, 23) * 86400;
	// A camera set to one a minute that managed only one every two minutes for an hour.
	for (std::int64_t t = day; t < day + 3600; t += 120) {
		const common::FrameId id{ t };
		std::filesystem::create_directories(dir / id.dayPath());
		std::ofstream(dir / id.relativePath()) << "x";
	}
	const auto inferred = common::recentCoverage(dir.path(), day + 3600, std::chrono::hours(24));
	EXPECT_EQ(inferred.interval(), 120s);
	EXPECT_EQ(inferred.found(), inferred.expected()) << "from the frames alone it looks whole";
	const auto known = common::recentCoverage(dir.path(), day + 3600, std::chrono::hours(24), nullptr, 60s);
	EXPECT_EQ(known.interval(), 60s);
	EXPECT_EQ(known.expected(), 60u);
	EXPECT_EQ(known.found(), 30u) << "the camera that falls behind shows as gaps";
}
