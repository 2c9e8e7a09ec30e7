// SPDX-License-Identifier: BSD-2-Clause
// The gallery's pages and thumbnails, written into a mirror on disk.
#include <gtest/gtest.h>

#include <turbojpeg.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/store_layout.h"
#include "pull/gallery.h"
#include "pull/thumbnail.h"
#include "support/temp_dir.h"

using namespace lingercam;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> jpeg(int width, int height)
{
	std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width * height * 3), 128);
	tjhandle tj = tjInitCompress();
	unsigned char *out = nullptr;
	unsigned long size = 0;
	tjCompress2(tj, rgb.data(), width, 0, height, TJPF_RGB, &out, &size, TJSAMP_420, 80, 0);
	std::vector<std::uint8_t> v(out, out + size);
	tjFree(out);
	tjDestroy(tj);
	return v;
}

std::string slurp(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	return { std::istreambuf_iterator<char>(in), {} };
}

std::size_t count(const std::string &text, const std::string &what)
{
	std::size_t n = 0;
	for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
		++n;
	return n;
}

class AGallery : public ::testing::Test {
protected:
	void addFrame(const common::FrameId &id)
	{
		fs::create_directories((mirror / id.relativePath()).parent_path());
		const auto bytes = jpeg(640, 360);
		std::ofstream(mirror / id.relativePath(), std::ios::binary)
			.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
		std::error_code ec;
		fs::remove(mirror / "latest.jpg", ec);
		fs::create_symlink(id.relativePath(), mirror / "latest.jpg");
	}
	common::FrameId minute(int m) const { return { day + m * 60 }; }

	test::TempDir dir;
	fs::path mirror = dir / "mirror";
	const std::int64_t day = common::daysFromCivil(2026, 11, 23) * 86400;
	const std::chrono::system_clock::time_point later{ std::chrono::seconds(day + 2 * 86400 + 43200) };
};

} // namespace

TEST(AThumbnail, IsAnEighthOfAFullHdFrameAndDecodes)
{
	std::string why;
	const auto thumb = pull::makeThumbnail(jpeg(1920, 1080), 240, why);
	ASSERT_TRUE(thumb) << why;
	tjhandle tj = tjInitDecompress();
	int w = 0, h = 0, sub = 0, cs = 0;
	ASSERT_EQ(tjDecompressHeader3(tj, thumb->data(), static_cast<unsigned long>(thumb->size()), &w, &h, &sub, &cs), 0);
	tjDestroy(tj);
	EXPECT_EQ(w, 240);
	EXPECT_EQ(h, 135);
	const std::vector<std::uint8_t> junk(100, 7);
	EXPECT_FALSE(pull::makeThumbnail(junk, 240, why));
	EXPECT_FALSE(why.empty());
}

TEST_F(AGallery, WritesTheIndexADayPageAndAThumbnailPerFrame)
{
	for (int m = 0; m < 1440; ++m)
		if (m < 600 || m >= 654)
			addFrame(minute(m));
	pull::Gallery g(mirror, "garden");
	g.update({ "2026/11/23" }, later);
	EXPECT_EQ(g.thumbnailsMade(), 1386u);
	const std::string index = slurp(mirror / "index.html");
	EXPECT_NE(index.find("<img class=\"newest\" src=\"2026/11/23/20261123T235900Z.jpg\""), std::string::npos) << index;
	EXPECT_NE(index.find("href=\"gallery/2026-11-23.html\""), std::string::npos);
	EXPECT_NE(index.find("1,386 of 1,440"), std::string::npos) << "the days list counts frames against slots";
	EXPECT_NE(index.find("<b>0 of 720</b>"), std::string::npos) << "two days later at noon, today's strip is all red";
	const std::string page = slurp(mirror / "gallery" / "2026-11-23.html");
	EXPECT_EQ(count(page, "<i class=p></i>"), 1386u);
	EXPECT_EQ(count(page, "<i class=m></i>"), 54u);
	EXPECT_NE(page.find("1,386 of 1,440"), std::string::npos);
	EXPECT_NE(page.find("54 frames)"), std::string::npos) << "the gap listed";
	EXPECT_EQ(count(page, "src=\"thumbs/2026/11/23/"), 1386u);
	EXPECT_TRUE(fs::exists(mirror / "gallery" / "thumbs" / "2026" / "11" / "23" / "20261123T000000Z.jpg"));
}

TEST_F(AGallery, MakesThumbnailsOnlyForNewFrames)
{
	for (int m = 0; m < 30; ++m)
		addFrame(minute(m));
	pull::Gallery g(mirror, "garden");
	g.update({ "2026/11/23" }, later);
	EXPECT_EQ(g.thumbnailsMade(), 30u);
	addFrame(minute(30));
	addFrame(minute(31));
	pull::Gallery again(mirror, "garden"); // a restart: the cache is on disk
	again.update({ "2026/11/23" }, later);
	EXPECT_EQ(again.thumbnailsMade(), 2u);
	again.update({}, later);
	EXPECT_EQ(again.thumbnailsMade(), 0u);
}

TEST_F(AGallery, ListsDaysPulledBeforeItExistedOnce)
{
	addFrame(minute(0));
	addFrame(minute(86400 / 60 + 5)); // the next day
	pull::Gallery g(mirror, "garden");
	g.update({}, later);
	EXPECT_TRUE(fs::exists(mirror / "gallery" / "2026-11-23.html"));
	EXPECT_TRUE(fs::exists(mirror / "gallery" / "2026-11-24.html"));
	// Without a thumbnail yet, the page shows the frame itself.
	EXPECT_NE(slurp(mirror / "gallery" / "2026-11-23.html").find("src=\"../2026/11/23/20261123T000000Z.jpg\""),
		  std::string::npos);
}

TEST_F(AGallery, EscapesEveryNameItPrints)
{
	addFrame(minute(0));
	pull::Gallery g(mirror, "<script>alert('x')</script> & co");
	g.update({ "2026/11/23" }, later);
	const std::string index = slurp(mirror / "index.html");
	EXPECT_EQ(index.find("<script>alert"), std::string::npos);
	EXPECT_NE(index.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"), std::string::npos);
	EXPECT_EQ(pull::htmlEscape("a\"b<c>&'"), "a&quot;b&lt;c&gt;&amp;&#39;");
}

TEST_F(AGallery, ShowsTodaysFramesAndLeavesTheRestOfTheDayOpen)
{
	for (int m = 0; m < 60; ++m)
		addFrame(minute(m));
	pull::Gallery g(mirror, "garden");
	const std::chrono::system_clock::time_point at{ std::chrono::seconds(day + 2 * 3600) };
	g.update({ "2026/11/23" }, at);
	const std::string index = slurp(mirror / "index.html");
	EXPECT_NE(index.find("<h2>Today"), std::string::npos);
	EXPECT_NE(index.find("60 of 120</b> frames so far"), std::string::npos) << "two hours in, one missing";
	EXPECT_EQ(count(index, "<i class=f></i>"), 1440u - 120u);
	EXPECT_EQ(count(index, "class=\"thumbs today\""), 1u);
}

TEST(ASourcesPage, LinksEachMirrorAndEscapesTheNames)
{
	test::TempDir dir;
	const auto now = std::chrono::system_clock::now();
	pull::writeSourcesPage(dir.path(),
			       { { "garden", dir / "garden", "", 0, 0, 0 }, { "door<1>", dir / "door", "", 0, 0, 0 } }, now);
	const std::string page = slurp(dir / "index.html");
	EXPECT_NE(page.find("href=\"garden/index.html\""), std::string::npos) << page;
	EXPECT_NE(page.find("door&lt;1&gt;"), std::string::npos);
}
