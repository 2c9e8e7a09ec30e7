// SPDX-License-Identifier: BSD-2-Clause
// What each source is doing, for the status API and sd_notify (see pull_status.h).
#include "pull_status.h"

namespace lingercam::pull {

std::string stateName(SourceStatus::State state)
{
	switch (state) {
	case SourceStatus::State::Idle: return "idle";
	case SourceStatus::State::Connecting: return "connecting";
	case SourceStatus::State::Pulling: return "pulling";
	case SourceStatus::State::Waiting: return "waiting to retry";
	case SourceStatus::State::Failed: return "failed";
	}
	return "unknown";
}

std::vector<SourceStatus> PullStatus::snapshot() const
{
	std::lock_guard lock(mutex_);
	std::vector<SourceStatus> out;
	for (const auto &entry : sources_)
		out.push_back(entry.second);
	return out;
}

std::optional<SourceStatus> PullStatus::source(const std::string &name) const
{
	std::lock_guard lock(mutex_);
	auto it = sources_.find(name);
	if (it == sources_.end())
		return std::nullopt;
	return it->second;
}

std::string PullStatus::summary() const
{
	std::lock_guard lock(mutex_);
	std::string out;
	for (const auto &[name, s] : sources_) {
		if (!out.empty())
			out += "; ";
		out += name + ": " + (s.lastResult.empty() ? stateName(s.state) : s.lastResult);
	}
	return out.size() > 400 ? out.substr(0, 400) + "..." : out;
}

} // namespace lingercam::pull
