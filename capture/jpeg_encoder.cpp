// SPDX-License-Identifier: BSD-2-Clause
// JPEG compression with libjpeg-turbo (see jpeg_encoder.h).
#include "jpeg_encoder.h"

#include <stdexcept>
#include <string>

#include <turbojpeg.h>

namespace lingercam::capture {

namespace {

[[noreturn]] void fail(void *handle, const std::string &what)
{
	throw std::runtime_error(what + ": " + tjGetErrorStr2(handle));
}

} // namespace

JpegEncoder::JpegEncoder(int quality) : handle_(tjInitCompress()), quality_(quality)
{
	if (!handle_)
		throw std::runtime_error(std::string("cannot initialise TurboJPEG: ") + tjGetErrorStr2(nullptr));
}

JpegEncoder::~JpegEncoder()
{
	tjDestroy(handle_);
}

std::vector<std::uint8_t> JpegEncoder::encode(const ImageView &image, const ExifInfo &exif)
{
	unsigned char *out = nullptr;
	unsigned long size = 0;
	const int w = static_cast<int>(image.width), h = static_cast<int>(image.height);
	const int flags = TJFLAG_FASTDCT;
	int rc = 0;

	auto packed = [&](int pf) {
		return tjCompress2(handle_, image.planes[0].data, w, static_cast<int>(image.planes[0].stride), h, pf, &out,
				   &size, TJSAMP_420, quality_, flags);
	};
	auto planar = [&](const unsigned char *y, const unsigned char *u, const unsigned char *v, int yStride,
			  int cStride, int samp) {
		const unsigned char *planes[3] = { y, u, v };
		int strides[3] = { yStride, cStride, cStride };
		return tjCompressFromYUVPlanes(handle_, planes, w, strides, h, samp, &out, &size, quality_, flags);
	};

	switch (image.layout) {
	case PixelLayout::Rgb24: rc = packed(TJPF_RGB); break;
	case PixelLayout::Bgr24: rc = packed(TJPF_BGR); break;
	case PixelLayout::Xbgr32: rc = packed(TJPF_RGBX); break;
	case PixelLayout::Xrgb32: rc = packed(TJPF_BGRX); break;
	case PixelLayout::Yuv420: {
		const auto &p = image.planes;
		rc = planar(p[0].data, p[1].data, p[2].data, static_cast<int>(p[0].stride), static_cast<int>(p[1].stride),
			    TJSAMP_420);
		break;
	}
	case PixelLayout::Nv12:
	case PixelLayout::Nv21: {
		// Split the interleaved chroma plane into U and V planes.
		const unsigned cw = (image.width + 1) / 2, ch = (image.height + 1) / 2;
		scratch_.resize(static_cast<std::size_t>(cw) * ch * 2);
		std::uint8_t *u = scratch_.data(), *v = u + static_cast<std::size_t>(cw) * ch;
		if (image.layout == PixelLayout::Nv21)
			std::swap(u, v);
		const ImageView::Plane &uv = image.planes[1];
		for (unsigned row = 0; row < ch; ++row) {
			const std::uint8_t *src = uv.data + row * uv.stride;
			for (unsigned col = 0; col < cw; ++col) {
				u[row * cw + col] = src[2 * col];
				v[row * cw + col] = src[2 * col + 1];
			}
		}
		const std::uint8_t *planeU = scratch_.data(), *planeV = planeU + static_cast<std::size_t>(cw) * ch;
		rc = planar(image.planes[0].data, planeU, planeV, static_cast<int>(image.planes[0].stride),
			    static_cast<int>(cw), TJSAMP_420);
		break;
	}
	case PixelLayout::Yuyv: {
		// Packed 4:2:2 into planar Y, U, V.
		const unsigned cw = (image.width + 1) / 2;
		const std::size_t ySize = static_cast<std::size_t>(image.width) * image.height;
		const std::size_t cSize = static_cast<std::size_t>(cw) * image.height;
		scratch_.resize(ySize + 2 * cSize);
		std::uint8_t *y = scratch_.data(), *u = y + ySize, *v = u + cSize;
		const ImageView::Plane &src = image.planes[0];
		for (unsigned row = 0; row < image.height; ++row) {
			const std::uint8_t *s = src.data + row * src.stride;
			for (unsigned col = 0; col < image.width; ++col)
				y[row * image.width + col] = s[2 * col];
			for (unsigned col = 0; col < cw; ++col) {
				u[row * cw + col] = s[4 * col + 1];
				v[row * cw + col] = s[4 * col + 3];
			}
		}
		rc = planar(y, u, v, static_cast<int>(image.width), static_cast<int>(cw), TJSAMP_422);
		break;
	}
	}
	if (rc != 0) {
		if (out)
			tjFree(out);
		fail(handle_, "JPEG compression of a " + std::string(layoutName(image.layout)) + " " +
				      std::to_string(image.width) + "x" + std::to_string(image.height) + " image failed");
	}
	std::vector<std::uint8_t> jpeg(out, out + size);
	tjFree(out);
	return ExifWriter::insert(jpeg, ExifWriter::app1(exif));
}

bool jpegDimensions(const std::vector<std::uint8_t> &jpeg, int &width, int &height)
{
	tjhandle h = tjInitDecompress();
	if (!h)
		return false;
	int subsamp = 0, colorspace = 0;
	bool ok = tjDecompressHeader3(h, jpeg.data(), jpeg.size(), &width, &height, &subsamp, &colorspace) == 0;
	tjDestroy(h);
	return ok;
}

} // namespace lingercam::capture
