// SPDX-License-Identifier: BSD-2-Clause
// The EXIF APP1 segment lingercam writes into each frame (see exif_writer.h).
#include "exif_writer.h"

#include <cstring>
#include <stdexcept>

namespace lingercam::capture {

namespace {

enum Type : std::uint16_t { kAscii = 2, kShort = 3, kLong = 4, kUndefined = 7 };

struct Entry {
	std::uint16_t tag;
	std::uint16_t type;
	std::uint32_t count;
	std::vector<std::uint8_t> value; // big-endian bytes
};

void put16(std::vector<std::uint8_t> &out, std::uint16_t v)
{
	out.push_back(static_cast<std::uint8_t>(v >> 8));
	out.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t> &out, std::uint32_t v)
{
	put16(out, static_cast<std::uint16_t>(v >> 16));
	put16(out, static_cast<std::uint16_t>(v));
}

Entry ascii(std::uint16_t tag, const std::string &s)
{
	Entry e{ tag, kAscii, static_cast<std::uint32_t>(s.size() + 1), {} };
	e.value.assign(s.begin(), s.end());
	e.value.push_back(0);
	return e;
}

Entry long32(std::uint16_t tag, std::uint32_t v)
{
	Entry e{ tag, kLong, 1, {} };
	put32(e.value, v);
	return e;
}

/// Serialises one IFD at \a ifdOffset (from the TIFF header); values over 4 bytes follow it.
std::vector<std::uint8_t> ifd(const std::vector<Entry> &entries, std::uint32_t ifdOffset)
{
	std::vector<std::uint8_t> out, data;
	const std::uint32_t dataOffset = ifdOffset + 2 + 12 * static_cast<std::uint32_t>(entries.size()) + 4;
	put16(out, static_cast<std::uint16_t>(entries.size()));
	for (const Entry &e : entries) {
		put16(out, e.tag);
		put16(out, e.type);
		put32(out, e.count);
		if (e.value.size() <= 4) {
			std::vector<std::uint8_t> v = e.value;
			v.resize(4, 0);
			out.insert(out.end(), v.begin(), v.end());
		} else {
			put32(out, dataOffset + static_cast<std::uint32_t>(data.size()));
			data.insert(data.end(), e.value.begin(), e.value.end());
			if (data.size() % 2)
				data.push_back(0);
		}
	}
	put32(out, 0); // no next IFD
	out.insert(out.end(), data.begin(), data.end());
	return out;
}

std::uint16_t get16(const std::uint8_t *p, bool le)
{
	return le ? static_cast<std::uint16_t>(p[0] | p[1] << 8) : static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

std::uint32_t get32(const std::uint8_t *p, bool le)
{
	return le ? static_cast<std::uint32_t>(get16(p, le) | get16(p + 2, le) << 16)
		  : static_cast<std::uint32_t>(get16(p, le) << 16 | get16(p + 2, le));
}

} // namespace

std::vector<std::uint8_t> ExifWriter::app1(const ExifInfo &info)
{
	// Layout after the TIFF header (offset 8): IFD0 with its data, then the Exif IFD.
	std::vector<Entry> exifEntries;
	Entry version{ 0x9000, kUndefined, 4, { '0', '2', '3', '1' } };
	exifEntries.push_back(version);
	exifEntries.push_back(ascii(0x9003, info.dateTimeOriginal));
	exifEntries.push_back(ascii(0x9004, info.dateTimeOriginal));
	exifEntries.push_back(ascii(0x9011, "+00:00"));
	exifEntries.push_back(long32(0xA002, info.width));
	exifEntries.push_back(long32(0xA003, info.height));

	std::vector<Entry> ifd0;
	ifd0.push_back(ascii(0x010F, info.make));
	ifd0.push_back(ascii(0x0110, info.model.empty() ? "unknown" : info.model));
	ifd0.push_back(ascii(0x0131, info.software));
	ifd0.push_back(ascii(0x0132, info.dateTimeOriginal));
	ifd0.push_back(long32(0x8769, 0)); // Exif IFD pointer, patched below

	std::vector<std::uint8_t> first = ifd(ifd0, 8);
	std::uint32_t exifOffset = 8 + static_cast<std::uint32_t>(first.size());
	ifd0.back() = long32(0x8769, exifOffset);
	first = ifd(ifd0, 8);
	std::vector<std::uint8_t> second = ifd(exifEntries, exifOffset);

	std::vector<std::uint8_t> tiff = { 'M', 'M', 0, 42 };
	put32(tiff, 8);
	tiff.insert(tiff.end(), first.begin(), first.end());
	tiff.insert(tiff.end(), second.begin(), second.end());

	std::vector<std::uint8_t> seg = { 0xFF, 0xE1 };
	std::size_t length = 2 + 6 + tiff.size();
	if (length > 0xFFFF)
		throw std::length_error("EXIF segment too large");
	put16(seg, static_cast<std::uint16_t>(length));
	const char header[6] = { 'E', 'x', 'i', 'f', 0, 0 };
	seg.insert(seg.end(), header, header + 6);
	seg.insert(seg.end(), tiff.begin(), tiff.end());
	return seg;
}

std::vector<std::uint8_t> ExifWriter::insert(const std::vector<std::uint8_t> &jpeg, const std::vector<std::uint8_t> &app1)
{
	if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
		throw std::invalid_argument("not a JPEG: no SOI marker");
	std::size_t at = 2;
	// Keep a JFIF APP0 first, as the JFIF spec wants.
	if (jpeg.size() > 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0)
		at = 4 + (static_cast<std::size_t>(jpeg[4]) << 8 | jpeg[5]);
	std::vector<std::uint8_t> out;
	out.reserve(jpeg.size() + app1.size());
	out.insert(out.end(), jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(at));
	out.insert(out.end(), app1.begin(), app1.end());
	out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(at), jpeg.end());
	return out;
}

std::string readExifDateTimeOriginal(const std::vector<std::uint8_t> &jpeg)
{
	std::size_t pos = 2;
	while (pos + 4 <= jpeg.size() && jpeg[pos] == 0xFF) {
		std::uint8_t marker = jpeg[pos + 1];
		std::size_t len = static_cast<std::size_t>(jpeg[pos + 2]) << 8 | jpeg[pos + 3];
		if (marker == 0xDA || pos + 2 + len > jpeg.size())
			break;
		const std::uint8_t *seg = jpeg.data() + pos + 4;
		if (marker == 0xE1 && len > 16 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
			const std::uint8_t *tiff = seg + 6;
			std::size_t tiffLen = len - 2 - 6;
			bool le = tiff[0] == 'I';
			auto findTag = [&](std::uint32_t ifdOff, std::uint16_t tag) -> const std::uint8_t * {
				if (ifdOff + 2 > tiffLen)
					return nullptr;
				std::uint16_t n = get16(tiff + ifdOff, le);
				for (std::uint16_t i = 0; i < n; ++i) {
					std::size_t e = ifdOff + 2 + 12u * i;
					if (e + 12 > tiffLen)
						return nullptr;
					if (get16(tiff + e, le) == tag)
						return tiff + e;
				}
				return nullptr;
			};
			const std::uint8_t *ptr = findTag(get32(tiff + 4, le), 0x8769);
			if (!ptr)
				return {};
			const std::uint8_t *dto = findTag(get32(ptr + 8, le), 0x9003);
			if (!dto)
				return {};
			std::uint32_t count = get32(dto + 4, le);
			std::uint32_t off = get32(dto + 8, le);
			if (count < 2 || off + count > tiffLen)
				return {};
			return std::string(reinterpret_cast<const char *>(tiff + off), count - 1);
		}
		pos += 2 + len;
	}
	return {};
}

} // namespace lingercam::capture
