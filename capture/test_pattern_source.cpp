// SPDX-License-Identifier: BSD-2-Clause
// A camera that needs no hardware (see test_pattern_source.h).
#include "test_pattern_source.h"

#include <array>
#include <cmath>
#include <thread>

#include "common/clock.h"
#include "common/logging.h"
#include "common/store_layout.h"

namespace lingercam::capture {

namespace {

// 5x7 glyphs, one byte per row, bit 4 is the leftmost column.
struct Glyph {
	char c;
	std::array<std::uint8_t, 7> rows;
};

constexpr Glyph kFont[] = {
	{ '0', { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E } }, { '1', { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E } },
	{ '2', { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F } }, { '3', { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E } },
	{ '4', { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 } }, { '5', { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E } },
	{ '6', { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E } }, { '7', { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
	{ '8', { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E } }, { '9', { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C } },
	{ ':', { 0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00 } }, { '-', { 0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00 } },
	{ 'U', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } }, { 'T', { 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 } },
	{ 'C', { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E } }, { ' ', { 0, 0, 0, 0, 0, 0, 0 } },
};

const Glyph *glyph(char c)
{
	for (const Glyph &g : kFont)
		if (g.c == c)
			return &g;
	return nullptr;
}

} // namespace

TestPatternSource::TestPatternSource(const Options &options, common::Clock &clock) : options_(options), clock_(clock)
{
}

void TestPatternSource::start()
{
	pixels_.assign(static_cast<std::size_t>(options_.width) * options_.height * 3, 0);
	started_ = true;
}

void TestPatternSource::stop()
{
	started_ = false;
}

void TestPatternSource::drawText(const std::string &text, unsigned x0, unsigned y0, unsigned scale)
{
	const unsigned W = options_.width, H = options_.height;
	auto put = [&](unsigned x, unsigned y, std::uint8_t v) {
		if (x < W && y < H) {
			std::uint8_t *p = &pixels_[(static_cast<std::size_t>(y) * W + x) * 3];
			p[0] = p[1] = p[2] = v;
		}
	};
	unsigned x = x0;
	for (char c : text) {
		const Glyph *g = glyph(c);
		if (g) {
			for (unsigned row = 0; row < 7; ++row)
				for (unsigned col = 0; col < 5; ++col) {
					if (!(g->rows[row] & (0x10 >> col)))
						continue;
					// A dark outline keeps the digits readable on any part of the gradient.
					for (unsigned dy = 0; dy < scale + 2; ++dy)
						for (unsigned dx = 0; dx < scale + 2; ++dx)
							put(x + col * scale + dx - 1, y0 + row * scale + dy - 1, 0);
				}
			for (unsigned row = 0; row < 7; ++row)
				for (unsigned col = 0; col < 5; ++col) {
					if (!(g->rows[row] & (0x10 >> col)))
						continue;
					for (unsigned dy = 0; dy < scale; ++dy)
						for (unsigned dx = 0; dx < scale; ++dx)
							put(x + col * scale + dx, y0 + row * scale + dy, 255);
				}
		}
		x += 6 * scale;
	}
}

ImageView TestPatternSource::capture(std::chrono::milliseconds timeout)
{
	if (!started_)
		throw CameraError("test pattern source used before start()");
	if (options_.hangAfter && captured_ >= options_.hangAfter) {
		common::logger("camera")->warn("test pattern: hanging on purpose (hang_after={}); only the watchdog "
					       "gets us out",
					       options_.hangAfter);
		for (;;)
			std::this_thread::sleep_for(std::chrono::hours(1));
	}
	if (options_.exposure.count() > 0) {
		const auto still = options_.exposure * (options_.settleFrames + 1);
		if (still > timeout) {
			std::this_thread::sleep_for(timeout);
			throw CameraError("test pattern gave no frame within " + std::to_string(timeout.count()) + " ms");
		}
		std::this_thread::sleep_for(still);
	}
	++captured_;

	const auto now = clock_.wallNow();
	const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
	const unsigned W = options_.width, H = options_.height;
	// The gradient's hue turns once an hour, so consecutive frames differ everywhere.
	const double phase = static_cast<double>(secs % 3600) / 3600.0 * 2 * M_PI;
	for (unsigned y = 0; y < H; ++y) {
		std::uint8_t *row = &pixels_[static_cast<std::size_t>(y) * W * 3];
		const double fy = static_cast<double>(y) / H;
		for (unsigned x = 0; x < W; ++x) {
			const double fx = static_cast<double>(x) / W;
			row[3 * x + 0] = static_cast<std::uint8_t>(127.5 + 127.5 * std::sin(phase + fx * 3.0));
			row[3 * x + 1] = static_cast<std::uint8_t>(127.5 + 127.5 * std::sin(phase + fy * 3.0 + 2.1));
			row[3 * x + 2] = static_cast<std::uint8_t>(127.5 + 127.5 * std::sin(phase + (fx + fy) * 2.0 + 4.2));
		}
	}
	const common::FrameId id{ secs, 0 };
	const std::string iso = id.iso(); // 2026-11-23T19:38:00Z
	const std::string date = iso.substr(0, 10);
	const std::string time = iso.substr(11, 8) + " UTC";
	const unsigned scale = std::max(1u, std::min(W / (13 * 6), H / 30));
	const unsigned x = std::max(1u, (W - std::min(W, 12 * 6 * scale)) / 2);
	const unsigned y = std::max(1u, H / 2 - std::min(H / 2, 8 * scale));
	drawText(date, x + 6 * scale, y, scale);
	drawText(time, x, y + 9 * scale, scale);

	ImageView view;
	view.layout = PixelLayout::Rgb24;
	view.width = W;
	view.height = H;
	view.planeCount = 1;
	view.planes[0] = { pixels_.data(), static_cast<std::size_t>(W) * 3, pixels_.size() };
	return view;
}

} // namespace lingercam::capture
