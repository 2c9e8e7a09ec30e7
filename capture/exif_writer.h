// SPDX-License-Identifier: BSD-2-Clause
// The EXIF APP1 segment lingercam writes into each frame, and reading its time back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lingercam::capture {

/// What lingercam records about a frame in its EXIF APP1 segment.
struct ExifInfo {
	std::string make = "lingercam";
	std::string model;
	std::string software = "lingercam";
	std::string dateTimeOriginal; ///< "YYYY:MM:DD HH:MM:SS", UTC
	unsigned width = 0;
	unsigned height = 0;
};

/// Builds a complete APP1 "Exif" marker segment (FF E1 ...), big-endian TIFF, with IFD0
/// (Make, Model, Software, DateTime) and the Exif IFD (DateTimeOriginal, DateTimeDigitized,
/// OffsetTimeOriginal "+00:00", pixel dimensions).
class ExifWriter {
public:
	static std::vector<std::uint8_t> app1(const ExifInfo &info);
	/// Inserts the segment after SOI and any JFIF APP0 of \a jpeg.
	static std::vector<std::uint8_t> insert(const std::vector<std::uint8_t> &jpeg, const std::vector<std::uint8_t> &app1);
};

/// Reads DateTimeOriginal back from a JPEG's EXIF segment ("" if none): for tests and checks.
std::string readExifDateTimeOriginal(const std::vector<std::uint8_t> &jpeg);

} // namespace lingercam::capture
