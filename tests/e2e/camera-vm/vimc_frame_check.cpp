// SPDX-License-Identifier: BSD-2-Clause
// Checks, on the host, a store that lingercam-capture filled from the vimc camera in the
// VM, as a user looking at it would: every frame is a whole JPEG of the expected size
// (decoded to the last pixel, not just its header), shows a picture (vimc's colour bars,
// not a flat or blank frame), carries the EXIF time its name says, and the store holds no
// work files and a latest.jpg on the newest frame.
//
// Usage: vimc_frame_check --store DIR --width W --height H [--min-frames N]
//          [--since EPOCH --until EPOCH] [--orientation upright|rotate180]
//          [--min-stddev X]
// Prints one line per frame (luma mean and spread, colours, edge brightness) and what
// failed on stderr; exits 1 if any check failed, 2 for bad usage.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <turbojpeg.h>

#include "capture/exif_writer.h"
#include "common/store_layout.h"

namespace fs = std::filesystem;
using lingercam::capture::readExifDateTimeOriginal;
using lingercam::common::FrameId;
using lingercam::common::parseFrameRelativePath;

namespace {

struct Options {
	fs::path store;
	int width = 0;
	int height = 0;
	unsigned minFrames = 1;
	std::int64_t since = 0;
	std::int64_t until = 0;
	std::string orientation; // "", "upright", "rotate180"
	double minStddev = 20.0;
};

struct Picture {
	double lumaMean = 0;
	double lumaStddev = 0;
	std::size_t colours = 0; // distinct colours, 3 bits a channel
	double leftLuma = 0;     // leftmost and rightmost 5 %, middle fifth of the rows
	double rightLuma = 0;
};

unsigned failures = 0;

void fail(const std::string &what)
{
	std::cerr << "  FAIL " << what << '\n';
	++failures;
}

std::vector<std::uint8_t> readFile(const fs::path &path)
{
	std::ifstream in(path, std::ios::binary);
	return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

// Decodes the whole image to RGB; false (with TurboJPEG's reason) if any of it is corrupt.
bool decode(const std::vector<std::uint8_t> &jpeg, int &w, int &h, std::vector<std::uint8_t> &rgb, std::string &why)
{
	tjhandle handle = tjInitDecompress();
	int subsamp = 0, colorspace = 0;
	bool ok = tjDecompressHeader3(handle, jpeg.data(), jpeg.size(), &w, &h, &subsamp, &colorspace) == 0;
	if (ok) {
		rgb.resize(static_cast<std::size_t>(w) * h * 3);
		// TJFLAG_STOPONWARNING: a truncated or damaged scan is an error, not a grey tail.
		ok = tjDecompress2(handle, jpeg.data(), jpeg.size(), rgb.data(), w, 0, h, TJPF_RGB,
				   TJFLAG_STOPONWARNING) == 0;
	}
	if (!ok)
		why = tjGetErrorStr2(handle);
	tjDestroy(handle);
	return ok;
}

Picture measure(const std::vector<std::uint8_t> &rgb, int w, int h)
{
	Picture p;
	double sum = 0, sumSq = 0, left = 0, right = 0;
	std::size_t edgeCount = 0;
	std::set<unsigned> colours;
	const int strip = std::max(1, w / 20);
	for (int y = 0; y < h; ++y) {
		const bool middle = y >= h * 2 / 5 && y < h * 3 / 5;
		for (int x = 0; x < w; ++x) {
			const std::uint8_t *px = &rgb[(static_cast<std::size_t>(y) * w + x) * 3];
			const double luma = 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
			sum += luma;
			sumSq += luma * luma;
			colours.insert((px[0] >> 5) << 6 | (px[1] >> 5) << 3 | (px[2] >> 5));
			if (middle && x < strip)
				left += luma;
			if (middle && x >= w - strip) {
				right += luma;
				++edgeCount;
			}
		}
	}
	const double n = static_cast<double>(w) * h;
	p.lumaMean = sum / n;
	p.lumaStddev = std::sqrt(std::max(0.0, sumSq / n - p.lumaMean * p.lumaMean));
	p.colours = colours.size();
	p.leftLuma = edgeCount ? left / edgeCount : 0;
	p.rightLuma = edgeCount ? right / edgeCount : 0;
	return p;
}

Options parse(int argc, char **argv)
{
	Options o;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		auto value = [&]() -> std::string {
			if (i + 1 >= argc) {
				std::cerr << "vimc_frame_check: " << a << " needs a value\n";
				std::exit(2);
			}
			return argv[++i];
		};
		if (a == "--store")
			o.store = value();
		else if (a == "--width")
			o.width = std::stoi(value());
		else if (a == "--height")
			o.height = std::stoi(value());
		else if (a == "--min-frames")
			o.minFrames = static_cast<unsigned>(std::stoul(value()));
		else if (a == "--since")
			o.since = std::stoll(value());
		else if (a == "--until")
			o.until = std::stoll(value());
		else if (a == "--orientation")
			o.orientation = value();
		else if (a == "--min-stddev")
			o.minStddev = std::stod(value());
		else {
			std::cerr << "vimc_frame_check: unknown argument " << a << '\n';
			std::exit(2);
		}
	}
	if (o.store.empty() || o.width <= 0 || o.height <= 0) {
		std::cerr << "usage: vimc_frame_check --store DIR --width W --height H [--min-frames N] "
			     "[--since EPOCH --until EPOCH] [--orientation upright|rotate180] [--min-stddev X]\n";
		std::exit(2);
	}
	if (!o.orientation.empty() && o.orientation != "upright" && o.orientation != "rotate180") {
		std::cerr << "vimc_frame_check: --orientation is upright or rotate180\n";
		std::exit(2);
	}
	return o;
}

} // namespace

int main(int argc, char **argv)
{
	const Options o = parse(argc, argv);
	std::error_code ec;
	if (!fs::is_directory(o.store, ec)) {
		std::cerr << "vimc_frame_check: no store at " << o.store << '\n';
		return 1;
	}

	std::vector<std::pair<FrameId, std::string>> frames;
	for (auto it = fs::recursive_directory_iterator(o.store); it != fs::recursive_directory_iterator(); ++it) {
		// lexically: fs::relative() would follow latest.jpg to its target.
		const std::string rel = it->path().lexically_relative(o.store).generic_string();
		const std::string name = it->path().filename().string();
		if (name.ends_with(".tmp"))
			fail(rel + ": work file left behind");
		if (it->is_directory() || rel == "latest.jpg" || name.starts_with("."))
			continue;
		if (auto id = parseFrameRelativePath(rel))
			frames.emplace_back(*id, rel);
		else
			fail(rel + ": not a frame name (YYYY/MM/DD/YYYYMMDDTHHMMSSZ.jpg)");
	}
	std::sort(frames.begin(), frames.end());
	if (frames.size() < o.minFrames)
		fail(std::to_string(frames.size()) + " frame(s) in the store, expected at least " +
		     std::to_string(o.minFrames));

	for (const auto &[id, rel] : frames) {
		const std::vector<std::uint8_t> jpeg = readFile(o.store / rel);
		int w = 0, h = 0;
		std::vector<std::uint8_t> rgb;
		std::string why;
		if (!decode(jpeg, w, h, rgb, why)) {
			fail(rel + ": does not decode as a JPEG (" + why + ")");
			continue;
		}
		const Picture p = measure(rgb, w, h);
		const std::string exif = readExifDateTimeOriginal(jpeg);
		std::printf("  %s %zu bytes %dx%d luma_mean=%.1f luma_stddev=%.1f colours=%zu left_luma=%.1f "
			    "right_luma=%.1f exif=\"%s\"\n",
			    rel.c_str(), jpeg.size(), w, h, p.lumaMean, p.lumaStddev, p.colours, p.leftLuma, p.rightLuma,
			    exif.c_str());
		if (w != o.width || h != o.height)
			fail(rel + ": " + std::to_string(w) + "x" + std::to_string(h) + ", expected " +
			     std::to_string(o.width) + "x" + std::to_string(o.height));
		if (p.lumaStddev < o.minStddev)
			fail(rel + ": a flat picture (luma spread " + std::to_string(p.lumaStddev) + " < " +
			     std::to_string(o.minStddev) + ")");
		// vimc draws eight colour bars: a frame showing fewer than four colours is not them.
		if (p.colours < 4)
			fail(rel + ": only " + std::to_string(p.colours) + " colour(s), vimc's colour bars have eight");
		if (exif != id.exifTime())
			fail(rel + ": EXIF DateTimeOriginal \"" + exif + "\", the name says \"" + id.exifTime() + "\"");
		if (o.until && (id.seconds < o.since - 5 || id.seconds > o.until + 5))
			fail(rel + ": named " + id.iso() + ", outside the run");
		// Bars run white (left) to black (right); turned 180 degrees, black is on the left.
		if (o.orientation == "upright" && !(p.leftLuma > p.rightLuma + 100))
			fail(rel + ": not upright (left edge luma " + std::to_string(p.leftLuma) + ", right " +
			     std::to_string(p.rightLuma) + "; vimc's white bar belongs on the left)");
		if (o.orientation == "rotate180" && !(p.rightLuma > p.leftLuma + 100))
			fail(rel + ": not turned 180 degrees (left edge luma " + std::to_string(p.leftLuma) + ", right " +
			     std::to_string(p.rightLuma) + "; the white bar belongs on the right)");
	}

	const fs::path latest = o.store / "latest.jpg";
	if (!fs::is_symlink(latest, ec)) {
		fail("latest.jpg is not a symlink");
	} else {
		const fs::path target = fs::read_symlink(latest, ec);
		if (target.is_absolute())
			fail("latest.jpg -> " + target.string() + " is absolute");
		else if (!frames.empty() && target.lexically_normal().generic_string() != frames.back().second)
			fail("latest.jpg -> " + target.string() + ", the newest frame is " + frames.back().second);
	}

	std::cout << frames.size() << " frame(s) checked in " << o.store.string() << '\n';
	if (failures)
		std::cout << "vimc_frame_check: " << failures << " problem(s)\n";
	return failures ? 1 : 0;
}
