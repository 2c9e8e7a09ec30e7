// SPDX-License-Identifier: BSD-2-Clause
// A camera image as the JPEG encoder takes it: pixel layouts, a view of the planes, flips.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace lingercam::capture {

/// Pixel layouts the JPEG encoder takes, named by their byte order in memory.
enum class PixelLayout {
	Rgb24,  ///< R, G, B
	Bgr24,  ///< B, G, R
	Xbgr32, ///< R, G, B, X (libcamera XBGR8888)
	Xrgb32, ///< B, G, R, X (libcamera XRGB8888)
	Yuv420, ///< planar Y, U, V (I420)
	Nv12,   ///< Y plane, then interleaved U/V at half resolution
	Nv21,   ///< Y plane, then interleaved V/U
	Yuyv,   ///< packed 4:2:2 Y0 U Y1 V
};

std::string_view layoutName(PixelLayout layout);

/// A picture someone else owns: valid until the source's next capture() or stop().
struct ImageView {
	struct Plane {
		const std::uint8_t *data = nullptr;
		std::size_t stride = 0; ///< bytes per row
		std::size_t size = 0;   ///< bytes in the plane
	};

	PixelLayout layout = PixelLayout::Rgb24;
	unsigned width = 0;
	unsigned height = 0;
	std::array<Plane, 3> planes{};
	unsigned planeCount = 0;
};

/// Copies \a image into \a storage mirrored left-right (\a hflip) and/or top-bottom
/// (\a vflip; both is a 180 degree turn), rows packed tight, for a camera that cannot
/// flip itself. Returns the copy's view, valid while \a storage is untouched. Throws
/// CameraError if the planes are smaller than the layout and size need.
ImageView flipImage(const ImageView &image, bool hflip, bool vflip, std::vector<std::uint8_t> &storage);

} // namespace lingercam::capture
