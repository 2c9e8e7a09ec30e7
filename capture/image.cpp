#include "image.h"

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

} // namespace lingercam::capture
