// SPDX-License-Identifier: BSD-2-Clause
// JPEG encoding with EXIF, and the test pattern's frames.
#include <gtest/gtest.h>

#include "capture/jpeg_encoder.h"
#include "capture/test_pattern_source.h"
#include "support/fake_clock.h"

using namespace lingercam;
using namespace std::chrono_literals;
using capture::ExifInfo;
using capture::JpegEncoder;
using capture::TestPatternSource;

TEST(ATestPatternFrame, IsAJpegOfTheConfiguredSizeWithItsTimeInExif)
{
	test::FakeClock clock(test::utc(2026, 11, 23, 19, 38, 0));
	TestPatternSource source({ 640, 360, 0 }, clock);
	source.start();
	JpegEncoder encoder(85);
	ExifInfo exif;
	exif.model = source.model();
	exif.dateTimeOriginal = "2026:11:23 19:38:00";
	exif.width = 640;
	exif.height = 360;
	auto jpeg = encoder.encode(source.capture(1s), exif);

	int w = 0, h = 0;
	ASSERT_TRUE(capture::jpegDimensions(jpeg, w, h));
	EXPECT_EQ(w, 640);
	EXPECT_EQ(h, 360);
	EXPECT_EQ(capture::readExifDateTimeOriginal(jpeg), "2026:11:23 19:38:00");
	EXPECT_EQ(jpeg[0], 0xFF);
	EXPECT_EQ(jpeg[1], 0xD8);
	EXPECT_EQ(jpeg[jpeg.size() - 2], 0xFF);
	EXPECT_EQ(jpeg[jpeg.size() - 1], 0xD9);
	std::string bytes(jpeg.begin(), jpeg.end());
	EXPECT_NE(bytes.find("lingercam test pattern"), std::string::npos) << "camera model in EXIF";
}

TEST(ATestPatternFrame, ChangesWithTime)
{
	test::FakeClock clock(test::utc(2026, 11, 23, 19, 38, 0));
	TestPatternSource source({ 320, 240, 0 }, clock);
	source.start();
	auto first = source.capture(1s);
	std::vector<std::uint8_t> a(first.planes[0].data, first.planes[0].data + first.planes[0].size);
	clock.advance(60s);
	auto second = source.capture(1s);
	std::vector<std::uint8_t> b(second.planes[0].data, second.planes[0].data + second.planes[0].size);
	ASSERT_EQ(a.size(), b.size());
	std::size_t differing = 0;
	for (std::size_t i = 0; i < a.size(); ++i)
		differing += a[i] != b[i];
	EXPECT_GT(differing, a.size() / 2) << "a minute later most pixels differ";
}

TEST(AJpegEncoder, TakesPlanarAndSemiPlanarYuv)
{
	const unsigned w = 64, h = 48;
	std::vector<std::uint8_t> y(w * h, 128), uv(w * h / 2, 100), u(w * h / 4, 90), v(w * h / 4, 160);
	JpegEncoder encoder(90);
	capture::ImageView nv12;
	nv12.layout = capture::PixelLayout::Nv12;
	nv12.width = w;
	nv12.height = h;
	nv12.planeCount = 2;
	nv12.planes[0] = { y.data(), w, y.size() };
	nv12.planes[1] = { uv.data(), w, uv.size() };
	capture::ImageView i420 = nv12;
	i420.layout = capture::PixelLayout::Yuv420;
	i420.planeCount = 3;
	i420.planes[1] = { u.data(), w / 2, u.size() };
	i420.planes[2] = { v.data(), w / 2, v.size() };
	for (const auto &image : { nv12, i420 }) {
		auto jpeg = encoder.encode(image, ExifInfo{});
		int jw = 0, jh = 0;
		ASSERT_TRUE(capture::jpegDimensions(jpeg, jw, jh));
		EXPECT_EQ(jw, 64);
		EXPECT_EQ(jh, 48);
	}
}
