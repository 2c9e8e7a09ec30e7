#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

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

} // namespace lingercam::capture
