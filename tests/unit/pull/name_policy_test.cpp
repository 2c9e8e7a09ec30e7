// SPDX-License-Identifier: BSD-2-Clause
// The name policy on the entries a camera host may list.
#include <gtest/gtest.h>

#include "pull/name_policy.h"

using namespace lingercam;
using pull::EntryType;
using pull::EntryVerdict;
using Kind = EntryVerdict::Kind;

namespace {

pull::RemoteEntry file(std::string name, std::uint64_t size = 1000, EntryType type = EntryType::Regular)
{
	return { std::move(name), type, size, 0 };
}

TEST(ADayEntryCheck, AcceptsAFrameOfItsOwnDay)
{
	auto v = pull::checkDayEntry("2026/11/23", file("20261123T193800Z.jpg"), 1 << 20);
	EXPECT_EQ(v.kind, Kind::Accept);
	ASSERT_TRUE(v.frame);
	EXPECT_EQ(v.frame->relativePath(), "2026/11/23/20261123T193800Z.jpg");
	EXPECT_EQ(pull::checkDayEntry("2026/11/23", file("20261123T193800Z-2.jpg"), 1 << 20).kind, Kind::Accept);
}

TEST(ADayEntryCheck, IgnoresDotsAndWorkInProgressQuietly)
{
	for (const char *name : { ".", "..", ".20261123T193800Z.jpg.tmp", ".pulled", "..." })
		EXPECT_EQ(pull::checkDayEntry("2026/11/23", file(name), 1 << 20).kind, Kind::Ignore) << name;
}

TEST(ADayEntryCheck, RefusesHostileNames)
{
	for (const std::string &name : { std::string("20261123T19\n3800Z.jpg"), std::string("\x1b[31m.jpg"),
					std::string("a/../../etc/passwd"), std::string(300, 'a'), std::string("x\x7f.jpg"),
					std::string("../20261123T193800Z.jpg") })
		EXPECT_EQ(pull::checkDayEntry("2026/11/23", file(name), 1 << 20).kind, Kind::Refuse) << name;
}

TEST(ADayEntryCheck, RefusesWhatIsNotAFrameOfThisDay)
{
	for (const char *name : { "notes.txt", "20261124T000000Z.jpg", "20261123T193800Z.JPG", "20261123T193800Z-0.jpg",
				  "20261123T246000Z.jpg", "20261123T193800Z.jpg.part" })
		EXPECT_EQ(pull::checkDayEntry("2026/11/23", file(name), 1 << 20).kind, Kind::Refuse) << name;
}

TEST(ADayEntryCheck, RefusesSymlinksFoldersAndDevicesUnderAFrameName)
{
	for (EntryType type : { EntryType::Symlink, EntryType::Directory, EntryType::Other })
		EXPECT_EQ(pull::checkDayEntry("2026/11/23", file("20261123T193800Z.jpg", 10, type), 1 << 20).kind, Kind::Refuse);
}

TEST(ADayEntryCheck, RefusesFilesOverTheSizeCapAndEmptyOnes)
{
	EXPECT_EQ(pull::checkDayEntry("2026/11/23", file("20261123T193800Z.jpg", 1025), 1024).kind, Kind::Refuse);
	EXPECT_EQ(pull::checkDayEntry("2026/11/23", file("20261123T193800Z.jpg", 1024), 1024).kind, Kind::Accept);
	EXPECT_EQ(pull::checkDayEntry("2026/11/23", file("20261123T193800Z.jpg", 0), 1024).kind, Kind::Refuse);
}

TEST(AFolderEntryCheck, AcceptsOnlyRealFoldersWithLayoutNames)
{
	using pull::FolderLevel;
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Root, file("2026", 0, EntryType::Directory)).kind, Kind::Accept);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Year, file("11", 0, EntryType::Directory)).kind, Kind::Accept);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Month, file("23", 0, EntryType::Directory)).kind, Kind::Accept);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Root, file("2026", 0, EntryType::Symlink)).kind, Kind::Refuse);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Root, file("2026")).kind, Kind::Refuse);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Year, file("13", 0, EntryType::Directory)).kind, Kind::Refuse);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Month, file("32", 0, EntryType::Directory)).kind, Kind::Refuse);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Root, file("tmp", 0, EntryType::Directory)).kind, Kind::Refuse);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Root, file("latest.jpg", 0, EntryType::Symlink)).kind, Kind::Ignore);
	EXPECT_EQ(pull::checkFolderEntry(FolderLevel::Root, file(".pulled")).kind, Kind::Ignore);
}

TEST(AnOutOfOrderMarkCheck, AcceptsOnlyEmptyFilesNamedByADayAndAToken)
{
	std::string reason;
	auto day = pull::checkOutOfOrderEntry(file("2026-11-23.0a1b2c3d", 0), reason);
	ASSERT_TRUE(day) << reason;
	EXPECT_EQ(day->dayPath, "2026/11/23");
	EXPECT_EQ(day->token, "0a1b2c3d");
	EXPECT_FALSE(pull::checkOutOfOrderEntry(file(".", 0, EntryType::Directory), reason));
	EXPECT_TRUE(reason.empty()) << "ignored, not refused";
	for (const auto &bad : { file("2026-11-23.0a1b2c3d", 12), file("2026-11-23.0a1b2c3d", 0, EntryType::Symlink),
				 file("2026-11-23.0a1b2c3d", 0, EntryType::Directory), file("2026-02-30.0a1b2c3d", 0),
				 file("2026-11-23.0A1B2C3D", 0), file("2026-11-23.0a1b2c3", 0), file("2026/11/23.0a1b2c3d", 0),
				 file("../2026-11-23.0a1b2c3d", 0), file(std::string(100, 'x'), 0) }) {
		reason.clear();
		EXPECT_FALSE(pull::checkOutOfOrderEntry(bad, reason)) << bad.name;
		EXPECT_FALSE(reason.empty()) << bad.name;
	}
}

TEST(ALatestTargetCheck, AcceptsOnlyAFramePathInsideTheStore)
{
	std::string reason;
	EXPECT_TRUE(pull::checkLatestTarget("2026/11/23/20261123T193800Z.jpg", reason));
	EXPECT_TRUE(pull::checkLatestTarget("1970/01/01/19700101T000012Z-2-unsynced.jpg", reason));
	for (const char *target : { "/etc/passwd", "../x/2026/11/23/20261123T193800Z.jpg", "2026/11/23/../../../etc/passwd",
				    "./2026/11/23/20261123T193800Z.jpg", "2026/11/24/20261123T193800Z.jpg",
				    "2026/11/23/20261123T193800Z.jpg/", "2026//11/23/20261123T193800Z.jpg", "" }) {
		reason.clear();
		EXPECT_FALSE(pull::checkLatestTarget(target, reason)) << target;
		EXPECT_FALSE(reason.empty()) << target;
	}
}

} // namespace
