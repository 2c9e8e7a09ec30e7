// SPDX-License-Identifier: BSD-2-Clause
// Small JPEGs of frames for the gallery, from libjpeg-turbo's scaled decoding.
#include "thumbnail.h"

#include <memory>

#include <turbojpeg.h>

namespace lingercam::pull {

namespace {

struct TjCloser {
	void operator()(void *h) const { tjDestroy(h); }
};
using Tj = std::unique_ptr<void, TjCloser>;

} // namespace

std::optional<std::vector<std::uint8_t>> makeThumbnail(std::span<const std::uint8_t> jpeg, int width, std::string &why)
{
	Tj decoder(tjInitDecompress());
	int w = 0, h = 0, subsampling = 0, colorspace = 0;
	if (!decoder || tjDecompressHeader3(decoder.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), &w, &h,
					    &subsampling, &colorspace) != 0 ||
	    w <= 0 || h <= 0) {
		why = decoder ? tjGetErrorStr2(decoder.get()) : "tjInitDecompress failed";
		return std::nullopt;
	}
	// The smallest scale still at least `width` wide (or the smallest there is).
	int count = 0;
	const tjscalingfactor *factors = tjGetScalingFactors(&count);
	tjscalingfactor best{ 1, 1 };
	for (int i = 0; i < count; ++i) {
		const tjscalingfactor f = factors[i];
		const int scaled = TJSCALED(w, f);
		if (scaled >= std::min(width, w) && scaled < TJSCALED(w, best))
			best = f;
	}
	const int sw = TJSCALED(w, best), sh = TJSCALED(h, best);
	std::vector<std::uint8_t> pixels(static_cast<std::size_t>(sw) * static_cast<std::size_t>(sh) * 3);
	if (tjDecompress2(decoder.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), pixels.data(), sw, 0, sh,
			  TJPF_RGB, TJFLAG_FASTDCT) != 0) {
		why = tjGetErrorStr2(decoder.get());
		return std::nullopt;
	}
	Tj encoder(tjInitCompress());
	unsigned char *out = nullptr;
	unsigned long size = 0;
	if (!encoder ||
	    tjCompress2(encoder.get(), pixels.data(), sw, 0, sh, TJPF_RGB, &out, &size, TJSAMP_420, 75, TJFLAG_FASTDCT) != 0) {
		why = encoder ? tjGetErrorStr2(encoder.get()) : "tjInitCompress failed";
		tjFree(out);
		return std::nullopt;
	}
	std::vector<std::uint8_t> thumb(out, out + size);
	tjFree(out);
	return thumb;
}

} // namespace lingercam::pull
