// SPDX-License-Identifier: BSD-2-Clause
// Parsing durations and byte sizes as the config files write them.
#include <gtest/gtest.h>

#include "common/units.h"

using namespace lingercam::common;
using namespace std::chrono_literals;

TEST(ADurationParser, TakesSecondsAndUnits)
{
	EXPECT_EQ(parseDuration("60"), 60s);
	EXPECT_EQ(parseDuration("90s"), 90s);
	EXPECT_EQ(parseDuration("10m"), 10min);
	EXPECT_EQ(parseDuration("1h30m"), 90min);
	EXPECT_EQ(parseDuration("500ms"), 500ms);
	EXPECT_EQ(parseDuration("30d"), std::chrono::hours(24 * 30));
	for (const char *bad : { "", "abc", "10x", "1h30", "-5", "m" })
		EXPECT_FALSE(parseDuration(bad)) << bad;
}

TEST(AByteSizeParser, TakesBinaryUnits)
{
	EXPECT_EQ(parseBytes("1024"), 1024u);
	EXPECT_EQ(parseBytes("1K"), 1024u);
	EXPECT_EQ(parseBytes("20G"), 20ull << 30);
	EXPECT_EQ(parseBytes("2GiB"), 2ull << 30);
	EXPECT_EQ(parseBytes("1.5M"), 1536u * 1024);
	for (const char *bad : { "", "G", "5X", "5GB!", "-1" })
		EXPECT_FALSE(parseBytes(bad)) << bad;
}
