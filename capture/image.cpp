// SPDX-License-Identifier: BSD-2-Clause
// Pixel layouts and the pixel code on them: their names, software flips (see image.h).
#include "image.h"

#include <cstring>
#include <utility>

#include "frame_source.h"

namespace lingercam::capture {

std::string_view layoutName(PixelLayout layout)
{
	switch (layout) {
	case PixelLayout::Rgb24: return "RGB24";
	case PixelLayout::Bgr24: return "BGR24";
	case PixelLayout::Xbgr32: return "XBGR32";
	case PixelLayout::Xrgb32: return "XRGB32";
	case PixelLayout::Yuv420: return "YUV420";
	case PixelLayout::Nv12: return "NV12";
	case PixelLayout::Nv21: return "NV21";
	case PixelLayout::Yuyv: return "YUYV";
	}
	return "unknown";
}

ImageView flipImage(const ImageView &in, bool hflip, bool vflip, std::vector<std::uint8_t> &out)
{
	struct Geometry {
		std::size_t unit = 0;  // bytes that move together: a pixel, or a YUYV pixel pair
		std::size_t units = 0; // per row
		std::size_t rows = 0;
	};
	const std::size_t w = in.width, h = in.height, cw = (w + 1) / 2, ch = (h + 1) / 2;
	std::array<Geometry, 3> g{};
	unsigned planes = 1;
	switch (in.layout) {
	case PixelLayout::Rgb24:
	case PixelLayout::Bgr24:
		g[0] = { 3, w, h };
		break;
	case PixelLayout::Xbgr32:
	case PixelLayout::Xrgb32:
		g[0] = { 4, w, h };
		break;
	case PixelLayout::Yuyv:
		g[0] = { 4, cw, h };
		break;
	case PixelLayout::Yuv420:
		g = { Geometry{ 1, w, h }, Geometry{ 1, cw, ch }, Geometry{ 1, cw, ch } };
		planes = 3;
		break;
	case PixelLayout::Nv12:
	case PixelLayout::Nv21:
		g[0] = { 1, w, h };
		g[1] = { 2, cw, ch };
		planes = 2;
		break;
	}
	if (in.planeCount < planes)
		throw CameraError("camera buffer has fewer planes than its format needs");
	std::size_t total = 0;
	for (unsigned p = 0; p < planes; ++p) {
		const std::size_t rowBytes = g[p].unit * g[p].units;
		if (in.planes[p].stride < rowBytes || in.planes[p].size < in.planes[p].stride * (g[p].rows - 1) + rowBytes)
			throw CameraError("camera buffer is smaller than its format and size need");
		total += rowBytes * g[p].rows;
	}
	out.resize(total);
	ImageView view = in;
	view.planeCount = planes;
	std::uint8_t *dst = out.data();
	for (unsigned p = 0; p < planes; ++p) {
		const auto [unit, units, rows] = g[p];
		const std::size_t rowBytes = unit * units;
		for (std::size_t y = 0; y < rows; ++y) {
			const std::uint8_t *src = in.planes[p].data + in.planes[p].stride * (vflip ? rows - 1 - y : y);
			std::uint8_t *row = dst + rowBytes * y;
			if (!hflip) {
				std::memcpy(row, src, rowBytes);
				continue;
			}
			for (std::size_t x = 0; x < units; ++x)
				std::memcpy(row + unit * x, src + unit * (units - 1 - x), unit);
			if (in.layout == PixelLayout::Yuyv) // Y0 U Y1 V: the pair's two lumas swap too
				for (std::size_t x = 0; x < units; ++x)
					std::swap(row[4 * x], row[4 * x + 2]);
		}
		view.planes[p] = { dst, rowBytes, rowBytes * rows };
		dst += rowBytes * rows;
	}
	return view;
}

} // namespace lingercam::capture
