// SPDX-License-Identifier: BSD-2-Clause
// What each source is doing, as the status API and `systemctl status` show it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lingercam::pull {

/// What one source is doing, as the status API and `systemctl status` show it.
struct SourceStatus {
	enum class State { Idle, Connecting, Pulling, Waiting, Failed };

	std::string name;
	State state = State::Idle;
	std::optional<std::chrono::system_clock::time_point> lastRoundStart;
	std::optional<std::chrono::system_clock::time_point> lastRoundEnd;
	bool lastRoundOk = false;
	std::string lastResult;           ///< one line: "ok 12 frames" or the error
	std::string lastError;            ///< last failure, kept after later successes
	std::uint64_t framesPulled = 0;   ///< since the daemon started
	std::uint64_t bytesPulled = 0;
	std::uint64_t backlog = 0;        ///< frames known to be missing after the last round
	std::string newestFrame;          ///< stem of the newest local frame
	std::string watermark;            ///< stem in the local .pulled
};

std::string stateName(SourceStatus::State state);

/// Thread-safe snapshot of every source's status. Pullers write, readers (the D-Bus API,
/// sd_notify STATUS) copy.
class PullStatus {
public:
	/// Applies \a change to the named source's entry (created on first use).
	template<typename F>
	void update(const std::string &name, F &&change)
	{
		std::lock_guard lock(mutex_);
		SourceStatus &s = sources_[name];
		s.name = name;
		change(s);
	}

	std::vector<SourceStatus> snapshot() const;
	std::optional<SourceStatus> source(const std::string &name) const;
	/// One line for sd_notify STATUS=: "cam1: ok 12 frames; cam2: failed (...)".
	std::string summary() const;

private:
	mutable std::mutex mutex_;
	std::map<std::string, SourceStatus> sources_;
};

} // namespace lingercam::pull
