// SPDX-License-Identifier: BSD-2-Clause
// The named spdlog loggers and the sink they share, stderr until told otherwise (see logging.h).
#include "logging.h"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace lingercam::common {

namespace {

std::mutex gMutex;
spdlog::sink_ptr gSink;
spdlog::level::level_enum gLevel = spdlog::level::info;

} // namespace

spdlog::sink_ptr stderrSink()
{
	auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
	sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
	return sink;
}

void useSink(spdlog::sink_ptr sink, bool verbose)
{
	std::lock_guard lock(gMutex);
	gSink = std::move(sink);
	gLevel = verbose ? spdlog::level::debug : spdlog::level::info;
	spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) {
		l->sinks().assign(1, gSink);
		l->set_level(gLevel);
	});
}

std::shared_ptr<spdlog::logger> logger(const std::string &name)
{
	std::lock_guard lock(gMutex);
	if (auto existing = spdlog::get(name))
		return existing;
	if (!gSink)
		gSink = stderrSink();
	auto created = std::make_shared<spdlog::logger>(name, gSink);
	created->set_level(gLevel);
	created->flush_on(spdlog::level::trace);
	spdlog::register_logger(created);
	return created;
}

} // namespace lingercam::common
