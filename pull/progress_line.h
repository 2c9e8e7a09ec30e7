// SPDX-License-Identifier: BSD-2-Clause
// The one-line progress of `lingercam-pull once` on a terminal.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "puller.h"

namespace lingercam::pull {

/// The one-line progress of `lingercam-pull once` on a terminal: frames, bytes, rate and
/// ETA summed over the sources, redrawn in place at most ten times a second.
class ProgressLine {
public:
	explicit ProgressLine(std::FILE *out);
	/// Whether \a out is a terminal (only then is a progress line drawn).
	static bool wanted(std::FILE *out);

	/// Puller::ProgressCallback; thread-safe.
	void update(const std::string &source, const RoundProgress &progress);
	/// Ends the line so later output starts on a fresh one.
	void finish();
	/// The text drawn for the current totals (tests).
	std::string render(std::chrono::steady_clock::duration elapsed) const;

private:
	std::FILE *out_;
	mutable std::mutex mutex_;
	std::map<std::string, RoundProgress> sources_;
	std::chrono::steady_clock::time_point start_;
	std::chrono::steady_clock::time_point lastDraw_{};
	std::uint64_t startBytes_ = 0;
	bool started_ = false;
	bool drawn_ = false;
};

} // namespace lingercam::pull
