// SPDX-License-Identifier: BSD-2-Clause
// Software flips of a still, for cameras whose pipeline cannot flip.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "capture/frame_source.h"
#include "capture/image.h"

using lingercam::capture::flipImage;
using lingercam::capture::ImageView;
using lingercam::capture::PixelLayout;

namespace {

// A 4x2 frame whose every byte says where it is: plane*100 + row*10 + byte in row
// (padding bytes, past the picture, are 99).
struct Frame {
	std::vector<std::vector<std::uint8_t>> bytes;
	ImageView view;
};

Frame makeFrame(PixelLayout layout, std::vector<std::size_t> rowBytes, std::vector<std::size_t> rows)
{
	Frame f;
	f.view.layout = layout;
	f.view.width = 4;
	f.view.height = 2;
	f.view.planeCount = static_cast<unsigned>(rowBytes.size());
	for (std::size_t p = 0; p < rowBytes.size(); ++p) {
		const std::size_t stride = rowBytes[p] + 2; // padded rows, as cameras deliver them
		std::vector<std::uint8_t> plane(stride * rows[p], 99);
		for (std::size_t y = 0; y < rows[p]; ++y)
			for (std::size_t x = 0; x < rowBytes[p]; ++x)
				plane[y * stride + x] = static_cast<std::uint8_t>(p * 100 + y * 10 + x);
		f.bytes.push_back(std::move(plane));
	}
	for (std::size_t p = 0; p < rowBytes.size(); ++p)
		f.view.planes[p] = { f.bytes[p].data(), rowBytes[p] + 2, f.bytes[p].size() };
	return f;
}

std::vector<std::uint8_t> row(const ImageView &v, unsigned plane, std::size_t y)
{
	const auto &p = v.planes[plane];
	return { p.data + y * p.stride, p.data + y * p.stride + p.stride };
}

} // namespace

TEST(AFlippedImage, MirrorsRgbPixelsLeftToRightKeepingEachPixelsBytes)
{
	Frame f = makeFrame(PixelLayout::Rgb24, { 12 }, { 2 });
	std::vector<std::uint8_t> storage;
	ImageView out = flipImage(f.view, true, false, storage);
	EXPECT_EQ(out.planes[0].stride, 12u) << "rows packed tight";
	EXPECT_EQ(row(out, 0, 0), (std::vector<std::uint8_t>{ 9, 10, 11, 6, 7, 8, 3, 4, 5, 0, 1, 2 }));
	EXPECT_EQ(row(out, 0, 1), (std::vector<std::uint8_t>{ 19, 20, 21, 16, 17, 18, 13, 14, 15, 10, 11, 12 }));
}

TEST(AFlippedImage, TurnedHalfWayRoundPutsTheLastPixelFirst)
{
	Frame f = makeFrame(PixelLayout::Xrgb32, { 16 }, { 2 });
	std::vector<std::uint8_t> storage;
	ImageView out = flipImage(f.view, true, true, storage);
	EXPECT_EQ(row(out, 0, 0), (std::vector<std::uint8_t>{ 22, 23, 24, 25, 18, 19, 20, 21, 14, 15, 16, 17, 10, 11,
							       12, 13 }));
	EXPECT_EQ(out.width, 4u);
	EXPECT_EQ(out.height, 2u);
}

TEST(AFlippedImage, SwapsTheTwoLumasOfAYuyvPairWhenMirrored)
{
	Frame f = makeFrame(PixelLayout::Yuyv, { 8 }, { 2 }); // Y0 U Y1 V, two pairs a row
	std::vector<std::uint8_t> storage;
	ImageView out = flipImage(f.view, true, false, storage);
	EXPECT_EQ(row(out, 0, 0), (std::vector<std::uint8_t>{ 6, 5, 4, 7, 2, 1, 0, 3 }));
}

TEST(AFlippedImage, FlipsEveryPlaneOfNv12AtItsOwnResolution)
{
	Frame f = makeFrame(PixelLayout::Nv12, { 4, 4 }, { 2, 1 }); // Y 4x2, UV pairs 2x1
	std::vector<std::uint8_t> storage;
	ImageView out = flipImage(f.view, true, true, storage);
	ASSERT_EQ(out.planeCount, 2u);
	EXPECT_EQ(row(out, 0, 0), (std::vector<std::uint8_t>{ 13, 12, 11, 10 }));
	EXPECT_EQ(row(out, 0, 1), (std::vector<std::uint8_t>{ 3, 2, 1, 0 }));
	EXPECT_EQ(row(out, 1, 0), (std::vector<std::uint8_t>{ 102, 103, 100, 101 })) << "U,V pairs stay in order";
}

TEST(AFlippedImage, FlipsTheThreePlanesOfYuv420UpsideDown)
{
	Frame f = makeFrame(PixelLayout::Yuv420, { 4, 2, 2 }, { 2, 1, 1 });
	std::vector<std::uint8_t> storage;
	ImageView out = flipImage(f.view, false, true, storage);
	ASSERT_EQ(out.planeCount, 3u);
	EXPECT_EQ(row(out, 0, 0), (std::vector<std::uint8_t>{ 10, 11, 12, 13 }));
	EXPECT_EQ(row(out, 0, 1), (std::vector<std::uint8_t>{ 0, 1, 2, 3 }));
	EXPECT_EQ(row(out, 2, 0), (std::vector<std::uint8_t>{ 200, 201 }));
}

TEST(AFlippedImage, RefusesABufferTooSmallForItsSize)
{
	Frame f = makeFrame(PixelLayout::Rgb24, { 12 }, { 2 });
	f.view.height = 3;
	std::vector<std::uint8_t> storage;
	EXPECT_THROW(flipImage(f.view, true, false, storage), lingercam::capture::CameraError);
}
