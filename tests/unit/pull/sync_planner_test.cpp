// SPDX-License-Identifier: BSD-2-Clause
// The sync planner against an in-memory camera store: what a round lists and fetches, in order.
#include <gtest/gtest.h>

#include <algorithm>

#include "fake_remote_store.h"
#include "pull/sync_planner.h"

using namespace lingercam;
using lingercam::test::FakeRemoteStore;

namespace {

common::FrameId at(int year, unsigned month, unsigned day, int minute)
{
	return { common::daysFromCivil(year, month, day) * 86400 + minute * 60, 0 };
}

class ASyncPlanner : public ::testing::Test {
protected:
	void addFrame(const common::FrameId &id) { remote.addFile(id.relativePath(), std::vector<std::uint8_t>(100, 1)); }

	pull::SyncPlanner planner()
	{
		return pull::SyncPlanner(remote, 1 << 20,
					 [this](const std::string &path, const std::string &) { refused.push_back(path); });
	}

	FakeRemoteStore remote;
	std::vector<std::string> refused;
};

TEST_F(ASyncPlanner, ReturnsEveryFrameOldestFirstWithoutAWatermark)
{
	addFrame(at(2026, 11, 23, 5));
	addFrame(at(2025, 12, 31, 1));
	addFrame(at(2026, 1, 2, 0));
	addFrame(at(2026, 11, 23, 1));
	auto p = planner();
	auto frames = p.backfill(std::nullopt);
	ASSERT_EQ(frames.size(), 4u);
	EXPECT_EQ(frames[0].id, at(2025, 12, 31, 1));
	EXPECT_EQ(frames[1].id, at(2026, 1, 2, 0));
	EXPECT_EQ(frames[2].id, at(2026, 11, 23, 1));
	EXPECT_EQ(frames[3].id, at(2026, 11, 23, 5));
	EXPECT_EQ(frames[3].size, 100u);
}

TEST_F(ASyncPlanner, ListsOnlyTheFoldersFromTheWatermarksDayOn)
{
	// A year of days on the camera; the watermark is in the last days.
	for (unsigned month = 1; month <= 12; ++month)
		for (unsigned day = 1; day <= 28; ++day)
			addFrame(at(2025, month, day, 0));
	addFrame(at(2026, 1, 1, 0));
	addFrame(at(2026, 1, 1, 10));
	auto p = planner();
	auto frames = p.backfill(at(2025, 12, 28, 0));

	ASSERT_EQ(frames.size(), 2u);
	EXPECT_EQ(frames[0].id, at(2026, 1, 1, 0));
	// Without latest.jpg nothing says how far the store goes: years and months are listed,
	// each level's folders at once.
	std::vector<std::string> listed = remote.listed;
	std::sort(listed.begin(), listed.end());
	EXPECT_EQ(listed, (std::vector<std::string>{ "", "2025", "2025/12", "2025/12/28", "2026", "2026/01", "2026/01/01" }));
	EXPECT_EQ(p.foldersListed(), 7u);
}

TEST_F(ASyncPlanner, GoesStraightToTheDaysTheWatermarkAndTodayName)
{
	// Days from the watermark's to latest.jpg's (and today's) are listed by name, all in
	// the same round trip; no year or month folder is listed.
	for (unsigned day = 20; day <= 26; ++day)
		addFrame(at(2026, 11, day, 5));
	auto p = planner();
	auto frames = p.backfill(at(2026, 11, 22, 0), "2026/11/25", "2026/11/26");
	ASSERT_EQ(frames.size(), 5u);
	EXPECT_EQ(frames.front().id, at(2026, 11, 22, 5));
	EXPECT_EQ(frames.back().id, at(2026, 11, 26, 5));
	EXPECT_EQ(remote.listed, (std::vector<std::string>{ "2026/11/22", "2026/11/23", "2026/11/24", "2026/11/25", "2026/11/26" }));
	EXPECT_EQ(p.listedThrough(), "2026/11/26");
}

TEST_F(ASyncPlanner, ListsTheYearsWhenTheDaysAreTooManyToGuess)
{
	addFrame(at(2026, 1, 5, 1));
	addFrame(at(2026, 11, 23, 1));
	auto frames = planner().backfill(at(2026, 1, 5, 0), "2026/11/25", "2026/11/23");
	ASSERT_EQ(frames.size(), 2u);
	EXPECT_NE(std::find(remote.listed.begin(), remote.listed.end(), ""), remote.listed.end());
	EXPECT_EQ(std::count(remote.listed.begin(), remote.listed.end(), "2026/11/23"), 1) << "each day once";
}

TEST_F(ASyncPlanner, NeverListsADayUnderASymlinkedFolder)
{
	// A day reached by its name: its year and month must be real folders all the same.
	remote.addSymlink("2026", "/");
	addFrame(at(2026, 11, 24, 1)); // the fake lists it under the symlink, as a server would
	auto frames = planner().backfill(at(2026, 11, 23, 0), "2026/11/24", "2026/11/24");
	EXPECT_TRUE(frames.empty());
	EXPECT_FALSE(refused.empty());
}

TEST_F(ASyncPlanner, LeavesOutFramesAtOrBeforeTheWatermarkInItsDay)
{
	for (int m = 0; m < 10; ++m)
		addFrame(at(2026, 11, 23, m));
	auto frames = planner().backfill(at(2026, 11, 23, 6));
	ASSERT_EQ(frames.size(), 3u);
	EXPECT_EQ(frames[0].id, at(2026, 11, 23, 7));
}

TEST_F(ASyncPlanner, FindsTheNewestFrameThroughLatestJpg)
{
	addFrame(at(2026, 11, 23, 1));
	addFrame(at(2026, 11, 23, 2));
	remote.addSymlink("latest.jpg", at(2026, 11, 23, 2).relativePath());
	auto newest = planner().newest();
	ASSERT_TRUE(newest);
	EXPECT_EQ(newest->id, at(2026, 11, 23, 2));
	EXPECT_TRUE(remote.listed.empty()) << "the newest frame costs no listing";
}

TEST_F(ASyncPlanner, RefusesALatestLinkThroughASymlinkedFolder)
{
	remote.addSymlink("2026", "/");
	remote.addSymlink("latest.jpg", at(2026, 11, 23, 2).relativePath());
	EXPECT_FALSE(planner().newest());
	EXPECT_EQ(refused.size(), 1u);
}

TEST_F(ASyncPlanner, HasNoNewestFrameWhenLatestIsMissingOrDangling)
{
	EXPECT_FALSE(planner().newest());
	remote.addSymlink("latest.jpg", at(2026, 11, 23, 2).relativePath());
	EXPECT_FALSE(planner().newest());
	EXPECT_TRUE(refused.empty()) << "a frame deleted by retention is not hostile";
}

TEST_F(ASyncPlanner, RefusesEntriesOutsideTheLayoutAndKeepsGoing)
{
	addFrame(at(2026, 11, 23, 1));
	remote.addFile("2026/11/23/notes.txt", { 1 });
	remote.addSymlink("2026/11/22", "/etc");
	remote.addFile("README", { 1 });
	auto frames = planner().backfill(std::nullopt);
	EXPECT_EQ(frames.size(), 1u);
	EXPECT_EQ(refused.size(), 3u);
}

TEST_F(ASyncPlanner, PlansAFrameListedTwiceOnce)
{
	// Two fetches of one name shared its .part: every round then failed in the rename.
	const auto id = at(2026, 11, 23, 1);
	addFrame(id);
	remote.extraEntries["2026/11/23"] = { { id.fileName(), pull::EntryType::Regular, 100, 0 } };
	remote.extraEntries["2026/11"] = { { "23", pull::EntryType::Directory, 0, 0 } };
	auto frames = planner().backfill(std::nullopt);
	ASSERT_EQ(frames.size(), 1u);
	EXPECT_EQ(frames[0].id, id);
	EXPECT_TRUE(refused.empty());
}

TEST_F(ASyncPlanner, LeavesAFrameListedWithTwoSizesForALaterRound)
{
	const auto id = at(2026, 11, 23, 1);
	addFrame(id);
	addFrame(at(2026, 11, 23, 2));
	remote.extraEntries["2026/11/23"] = { { id.fileName(), pull::EntryType::Regular, 250000, 0 } };
	auto frames = planner().backfill(std::nullopt);
	ASSERT_EQ(frames.size(), 1u);
	EXPECT_EQ(frames[0].id, at(2026, 11, 23, 2));
	ASSERT_EQ(refused.size(), 1u);
	EXPECT_EQ(refused[0], "2026/11/23/" + id.fileName());
}

} // namespace

TEST_F(ASyncPlanner, ListsADayMarkedOutOfOrderInFullWhateverTheWatermark)
{
	// The camera rebooted into 1970 and took two frames there; then its clock came right.
	for (int m = 0; m < 10; ++m)
		addFrame(at(2026, 11, 23, m));
	common::FrameId stray = at(1970, 1, 1, 1);
	stray.unsynced = true;
	addFrame(stray);
	addFrame(at(1970, 1, 1, 2));
	remote.addFile(".out-of-order/1970-01-01.0a1b2c3d", {});
	remote.addFile(".out-of-order/not-a-mark", {});
	auto p = planner();
	std::vector<common::OutOfOrderDay> days;
	p.findOutOfOrderDays([&](std::vector<common::OutOfOrderDay> d) { days = std::move(d); });
	auto frames = p.backfill(at(2026, 11, 23, 6), "2026/11/23", "2026/11/23");
	ASSERT_EQ(days.size(), 1u);
	EXPECT_EQ(days[0].dayPath, "1970/01/01");
	EXPECT_EQ(days[0].token, "0a1b2c3d");
	EXPECT_TRUE(p.listedInFull("1970/01/01"));
	EXPECT_FALSE(p.listedInFull("2026/11/23"));
	ASSERT_EQ(frames.size(), 5u) << "the two 1970 frames, and the three after the watermark";
	EXPECT_EQ(frames[0].id, stray);
	EXPECT_EQ(frames[1].id, at(1970, 1, 1, 2));
	EXPECT_EQ(frames[2].id, at(2026, 11, 23, 7));
	EXPECT_EQ(refused, std::vector<std::string>{ ".out-of-order/not-a-mark" });
}

TEST_F(ASyncPlanner, ListsAgainInFullADayItListedBeforeTheMarkCameIn)
{
	for (int m = 0; m < 10; ++m)
		addFrame(at(2026, 11, 23, m));
	auto p = planner();
	auto frames = p.backfill(at(2026, 11, 23, 6), "2026/11/23", "2026/11/23");
	EXPECT_EQ(frames.size(), 3u);
	// The mark arrives after the day was listed with the watermark's filter.
	remote.addFile(".out-of-order/2026-11-23.0a1b2c3d", {});
	bool found = false;
	p.findOutOfOrderDays([&](std::vector<common::OutOfOrderDay> d) { found = d.size() == 1; });
	EXPECT_FALSE(p.complete());
	while (!p.complete()) {
		p.poll(0);
		remote.pump();
	}
	EXPECT_TRUE(found);
	EXPECT_TRUE(p.listedInFull("2026/11/23"));
}
