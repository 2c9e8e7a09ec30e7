// SPDX-License-Identifier: BSD-2-Clause
// The store layout's names, its confirmation files, latest.jpg and the folder walk.
#include <algorithm>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/store_layout.h"
#include "support/temp_dir.h"

using namespace lingercam;
using common::FrameId;
namespace fs = std::filesystem;

namespace {

FrameId at(int day, int hour, int minute, unsigned seq = 0)
{
	return { common::daysFromCivil(2026, 11, static_cast<unsigned>(day)) * 86400 + hour * 3600 + minute * 60, seq };
}

common::UniqueFd openFolder(const fs::path &dir)
{
	return common::openDir(AT_FDCWD, dir.string());
}

void touch(const fs::path &file)
{
	fs::create_directories(file.parent_path());
	std::ofstream(file) << "x";
}

} // namespace

// The names a person, a script or an older pull relies on (README "The store").
TEST(TheStoreLayout, SpellsEachNameAsTheContractDoes)
{
	const FrameId id = at(23, 19, 38);
	EXPECT_STREQ(common::kLatestName, "latest.jpg");
	EXPECT_STREQ(common::kPulledName, ".pulled");
	EXPECT_STREQ(common::kOutOfOrderFolder, ".out-of-order");
	EXPECT_STREQ(common::kFramePathPattern, "YYYY/MM/DD/YYYYMMDDTHHMMSSZ.jpg");
	EXPECT_EQ(common::kUnsyncedMarker, "-unsynced");
	EXPECT_EQ(common::confirmationName("pullpi-3fa2b1c0"), ".pulled.pullpi-3fa2b1c0");
	EXPECT_EQ(common::tempName("latest.jpg"), ".latest.jpg.tmp");
	EXPECT_EQ(common::tempName(id.fileName()), ".20261123T193800Z.jpg.tmp");
	EXPECT_EQ(common::partName(id), ".20261123T193800Z.jpg.part");
	EXPECT_EQ(common::parsePartName(common::partName(id)), id);
	EXPECT_FALSE(common::parsePartName("20261123T193800Z.jpg.part")) << "a part is hidden";
	EXPECT_FALSE(common::parsePartName(".20261123T193800Z.jpg.tmp"));
}

TEST(TheStoreLayout, TellsConfirmationFilesFromTheirTemporaryFiles)
{
	for (const char *name : { ".pulled", ".pulled.pullpi-3fa2b1c0", ".pulled.x" })
		EXPECT_TRUE(common::isConfirmationName(name)) << name;
	for (const char *name : { ".pulled.", ".pulled.pullpi-3fa2b1c0.tmp", ".pulled.tmp", "pulled", ".pulledx", "" })
		EXPECT_FALSE(common::isConfirmationName(name)) << name;
	const std::string confirmationTemp = common::confirmationTempName(common::confirmationName("pullpi-3fa2b1c0"));
	EXPECT_EQ(confirmationTemp, ".pulled.pullpi-3fa2b1c0.tmp");
	EXPECT_FALSE(common::isConfirmationName(confirmationTemp));
	EXPECT_TRUE(common::isTempName(confirmationTemp));
	for (const char *name : { ".latest.jpg.tmp", ".20261123T193800Z.jpg.tmp", ".pulled.pullpi-3fa2b1c0.tmp" })
		EXPECT_TRUE(common::isTempName(name)) << name;
	for (const char *name : { "latest.jpg.tmp", ".20261123T193800Z.jpg.part", "20261123T193800Z.jpg", "" })
		EXPECT_FALSE(common::isTempName(name)) << name;
}

// One reader for the camera's confirmation files and the mirror's own watermark: a line
// ending in "\r\n" or trailing spaces says the same as one ending in "\n".
TEST(AConfirmationFile, ReadsTheSameWhateverEndsItsLines)
{
	for (const char *text : { "20261123T193800Z", "20261123T193800Z\n", "20261123T193800Z\r\n", "20261123T193800Z  \r\n",
				  "20261123T193800Z\nsomething a newer pull writes\n" }) {
		const common::Confirmation c = common::parseConfirmation(text);
		ASSERT_TRUE(c.watermark) << text;
		EXPECT_EQ(*c.watermark, at(23, 19, 38)) << text;
		EXPECT_TRUE(c.wholeDays.empty()) << text;
	}
	const common::Confirmation days = common::parseConfirmation(
		"20261123T193800Z\r\nout-of-order 1970-01-01.3fa2b1c0\r\nout-of-order 1970-01-01.00000000 \nout-of-order 2026-02-30.3fa2b1c0\n");
	ASSERT_EQ(days.wholeDays.size(), 1u) << "February 30 is no day";
	EXPECT_EQ(days.wholeDays.at("1970/01/01"), (std::set<std::string>{ "00000000", "3fa2b1c0" }));

	EXPECT_FALSE(common::parseConfirmation("").watermark);
	const common::Confirmation bad = common::parseConfirmation("../../etc/passwd\n");
	EXPECT_FALSE(bad.watermark);
	EXPECT_EQ(bad.firstLine, "../../etc/passwd") << "what a warning quotes";
	EXPECT_FALSE(common::parseConfirmation("\n20261123T193800Z\n").watermark) << "the first line is the watermark";
}

TEST(AConfirmationFile, IsWrittenWholeAndReadBack)
{
	test::TempDir dir;
	const common::UniqueFd fd = openFolder(dir.path());
	EXPECT_FALSE(common::readConfirmation(fd.get(), ".pulled.pullpi-3fa2b1c0")) << "none yet";

	const std::vector<common::OutOfOrderDay> days{ { "1970/01/01", "3fa2b1c0" }, { "2026/11/20", "00c0ffee" } };
	common::writeConfirmation(fd.get(), ".pulled.pullpi-3fa2b1c0", at(23, 19, 38), days, "test");
	std::ifstream in(dir / ".pulled.pullpi-3fa2b1c0");
	const std::string text{ std::istreambuf_iterator<char>(in), {} };
	EXPECT_EQ(text, "20261123T193800Z\nout-of-order 1970-01-01.3fa2b1c0\nout-of-order 2026-11-20.00c0ffee\n");
	EXPECT_EQ(text, common::formatConfirmation(at(23, 19, 38), days));
	EXPECT_FALSE(fs::exists(dir / ".pulled.pullpi-3fa2b1c0.tmp"));

	const auto read = common::readConfirmation(fd.get(), ".pulled.pullpi-3fa2b1c0");
	ASSERT_TRUE(read);
	EXPECT_EQ(read->watermark, at(23, 19, 38));
	EXPECT_EQ(read->wholeDays.at("1970/01/01"), std::set<std::string>{ "3fa2b1c0" });
	EXPECT_EQ(read->wholeDays.at("2026/11/20"), std::set<std::string>{ "00c0ffee" });

	common::writeConfirmation(fd.get(), common::kPulledName, at(23, 19, 39), {}, "test");
	EXPECT_EQ(common::readConfirmation(fd.get(), common::kPulledName)->watermark, at(23, 19, 39));
}

TEST(TheLatestLink, PointsAtTheFrameByARelativeLinkReadBackByFolderOrPath)
{
	test::TempDir dir;
	const common::UniqueFd fd = openFolder(dir.path());
	EXPECT_FALSE(common::readLatest(fd.get()));
	EXPECT_FALSE(common::readLatest(dir.path()));

	common::writeLatest(fd.get(), at(23, 19, 38), dir.path().string());
	common::writeLatest(fd.get(), at(23, 19, 39, 1), dir.path().string());
	EXPECT_EQ(fs::read_symlink(dir / "latest.jpg"), "2026/11/23/20261123T193900Z-1.jpg");
	EXPECT_EQ(common::readLatest(fd.get()), at(23, 19, 39, 1));
	EXPECT_EQ(common::readLatest(dir.path()), at(23, 19, 39, 1));
	EXPECT_FALSE(fs::exists(fs::symlink_status(dir / ".latest.jpg.tmp")));

	// Only a frame's store-relative path counts: never a path out of the store.
	for (const std::string &target : std::vector<std::string>{ "/etc/passwd", "../2026/11/23/20261123T193800Z.jpg",
								   "2026/11/23/notes.jpg", std::string(300, 'a') }) {
		fs::remove(dir / "latest.jpg");
		fs::create_symlink(target, dir / "latest.jpg");
		EXPECT_FALSE(common::readLatest(fd.get())) << target;
		EXPECT_FALSE(common::readLatest(dir.path())) << target;
	}
}

TEST(TheFolderWalk, VisitsTheDayFoldersOldestFirstPassingOverWhatIsNoFolder)
{
	test::TempDir dir;
	for (const char *day : { "2026/11/24", "2026/11/23", "2025/12/31", "2026/02/01", "2026/13/01", "2026/11/32" })
		fs::create_directories(dir / day);
	touch(dir / "2027");          // a year that is a file
	touch(dir / "2026/10");       // a month that is a file
	touch(dir / "2026/11/25");    // a day that is a file
	touch(dir / "notes/01/01/x"); // not a year
	fs::create_directories(dir / ".out-of-order");
	const common::UniqueFd fd = openFolder(dir.path());

	std::vector<std::string> days;
	common::forEachDay(fd.get(), [&](const std::string &day, int dayFd) {
		EXPECT_GE(dayFd, 0);
		days.push_back(day);
		return true;
	});
	EXPECT_EQ(days, (std::vector<std::string>{ "2025/12/31", "2026/02/01", "2026/11/23", "2026/11/24" }));

	days.clear();
	common::forEachDay(fd.get(), [&](const std::string &day, int) {
		days.push_back(day);
		return false;
	});
	EXPECT_EQ(days, std::vector<std::string>{ "2025/12/31" }) << "the walk stops when told";

	std::vector<std::string> root = common::listFolder(fd.get());
	std::sort(root.begin(), root.end());
	EXPECT_EQ(root, (std::vector<std::string>{ ".out-of-order", "2025", "2026", "2027", "notes" }));
}

TEST(ADayFolder, SortsItsEntriesIntoFramesPartsAndLeftovers)
{
	test::TempDir dir;
	const fs::path day = dir / "2026/11/23";
	touch(day / "20261123T193900Z.jpg");
	touch(day / "20261123T193800Z-1.jpg");
	touch(day / "20261123T193800Z.jpg");
	touch(day / ".20261123T194000Z.jpg.part");
	touch(day / ".20261123T194100Z.jpg.tmp");
	touch(day / ".20261124T000000Z.jpg.part"); // another day's: nothing of this one
	touch(day / ".hidden");
	touch(day / "20261124T000000Z.jpg"); // another day's frame in the wrong folder
	touch(day / "notes.txt");
	fs::create_directory(day / "20261123T194200Z.jpg"); // a folder named as a frame
	fs::create_symlink("20261123T193800Z.jpg", day / "20261123T194300Z.jpg");
	const common::UniqueFd fd = openFolder(dir.path());

	const common::DayFolder folder = common::readDayAt(fd.get(), "2026/11/23");
	EXPECT_EQ(folder.frames, (std::vector<FrameId>{ at(23, 19, 38), at(23, 19, 38, 1), at(23, 19, 39) }));
	EXPECT_EQ(folder.parts, std::vector<FrameId>{ at(23, 19, 40) });
	EXPECT_EQ(folder.leftovers, std::vector<std::string>{ ".20261123T194100Z.jpg.tmp" });
	std::vector<std::string> others = folder.others;
	std::sort(others.begin(), others.end());
	EXPECT_EQ(others, (std::vector<std::string>{ "20261123T194200Z.jpg", "20261123T194300Z.jpg",
						     "20261124T000000Z.jpg", "notes.txt" }));

	EXPECT_TRUE(common::readDayAt(fd.get(), "2026/11/22").frames.empty()) << "no folder, no frames";
	EXPECT_FALSE(common::openFolderIfAny(dir / "missing"));
}
