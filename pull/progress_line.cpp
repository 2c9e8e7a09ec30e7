// SPDX-License-Identifier: BSD-2-Clause
// The progress line of `lingercam-pull once` on a terminal (see progress_line.h).
#include "progress_line.h"

#include <unistd.h>

#include "common/units.h"

namespace lingercam::pull {

ProgressLine::ProgressLine(std::FILE *out) : out_(out), start_(std::chrono::steady_clock::now()) {}

bool ProgressLine::wanted(std::FILE *out)
{
	return ::isatty(::fileno(out)) == 1;
}

std::string ProgressLine::render(std::chrono::steady_clock::duration elapsed) const
{
	RoundProgress sum;
	for (const auto &entry : sources_) {
		sum.framesDone += entry.second.framesDone;
		sum.framesTotal += entry.second.framesTotal;
		sum.bytesDone += entry.second.bytesDone;
		sum.bytesTotal += entry.second.bytesTotal;
	}
	double seconds = std::chrono::duration<double>(elapsed).count();
	std::uint64_t moved = sum.bytesDone > startBytes_ ? sum.bytesDone - startBytes_ : 0;
	double rate = seconds > 0.05 ? static_cast<double>(moved) / seconds : 0;
	std::string line = "frames " + std::to_string(sum.framesDone) + "/" + std::to_string(sum.framesTotal) + "  " +
			   common::formatBytes(sum.bytesDone) + "/" + common::formatBytes(sum.bytesTotal) + "  " +
			   common::formatBytes(static_cast<std::uint64_t>(rate)) + "/s";
	if (rate > 0 && sum.bytesTotal > sum.bytesDone) {
		auto eta = std::chrono::milliseconds(
			static_cast<std::int64_t>(static_cast<double>(sum.bytesTotal - sum.bytesDone) / rate * 1000));
		line += "  ETA " + common::formatDuration(std::chrono::duration_cast<std::chrono::seconds>(eta) +
							  std::chrono::seconds(1));
	}
	return line;
}

void ProgressLine::update(const std::string &source, const RoundProgress &progress)
{
	std::lock_guard lock(mutex_);
	auto now = std::chrono::steady_clock::now();
	if (!started_) {
		// Bytes resumed from .part files were not moved now: keep them out of the rate.
		started_ = true;
		start_ = now;
		startBytes_ = progress.bytesDone;
	}
	sources_[source] = progress;
	if (now - lastDraw_ < std::chrono::milliseconds(100))
		return;
	lastDraw_ = now;
	std::fprintf(out_, "\r\033[K%s", render(now - start_).c_str());
	std::fflush(out_);
	drawn_ = true;
}

void ProgressLine::finish()
{
	std::lock_guard lock(mutex_);
	if (!drawn_)
		return;
	std::fprintf(out_, "\r\033[K%s\n", render(std::chrono::steady_clock::now() - start_).c_str());
	std::fflush(out_);
	drawn_ = false;
}

} // namespace lingercam::pull
