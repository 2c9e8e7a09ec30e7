// SPDX-License-Identifier: BSD-2-Clause
// Captures what a named logger says during a test, to assert on what the journal would show.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>

#include "common/logging.h"

namespace lingercam::test {

/// Adds a sink to the logger \a name (common::logger) until destroyed; text() is what was
/// logged meanwhile, one line per message.
class LogCapture {
public:
	explicit LogCapture(const std::string &name)
		: logger_(common::logger(name)), sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_))
	{
		sink_->set_pattern("%l %v");
		logger_->sinks().push_back(sink_);
	}
	~LogCapture()
	{
		auto &sinks = logger_->sinks();
		sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
	}
	LogCapture(const LogCapture &) = delete;
	LogCapture &operator=(const LogCapture &) = delete;

	std::string text() const
	{
		logger_->flush();
		return out_.str();
	}

private:
	std::ostringstream out_;
	std::shared_ptr<spdlog::logger> logger_;
	std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

/// How often \a phrase occurs in \a text.
inline std::size_t count(const std::string &text, const std::string &phrase)
{
	std::size_t n = 0;
	for (auto at = text.find(phrase); at != std::string::npos; at = text.find(phrase, at + 1))
		++n;
	return n;
}

} // namespace lingercam::test
