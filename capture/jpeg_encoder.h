// SPDX-License-Identifier: BSD-2-Clause
// JPEG compression with libjpeg-turbo, with EXIF added.
#pragma once

#include <cstdint>
#include <vector>

#include "exif_writer.h"
#include "image.h"

namespace lingercam::capture {

/// JPEG compression with libjpeg-turbo (TurboJPEG API), EXIF added.
class JpegEncoder {
public:
	explicit JpegEncoder(int quality);
	~JpegEncoder();
	JpegEncoder(const JpegEncoder &) = delete;
	JpegEncoder &operator=(const JpegEncoder &) = delete;

	/// Compresses \a image; throws std::runtime_error with TurboJPEG's message.
	std::vector<std::uint8_t> encode(const ImageView &image, const ExifInfo &exif);

private:
	void *handle_;
	int quality_;
	std::vector<std::uint8_t> scratch_; // planar copy for NV12/NV21/YUYV input
};

/// Decoded size of a JPEG; false if TurboJPEG cannot read its header.
bool jpegDimensions(const std::vector<std::uint8_t> &jpeg, int &width, int &height);

} // namespace lingercam::capture
