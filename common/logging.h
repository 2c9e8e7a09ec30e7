// SPDX-License-Identifier: BSD-2-Clause
// The named spdlog loggers and the sink they share: journald with fields, or stderr.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <spdlog/logger.h>

namespace lingercam::common {

struct LoggingOptions {
	bool verbose = false;
	/// Force journald (true), force stderr (false), or detect from JOURNAL_STREAM (unset).
	std::optional<bool> journal;
	/// SYSLOG_IDENTIFIER for journald.
	std::string identifier = "lingercam";
};

/// Sets up the sink every named logger shares: journald with real priorities and one
/// journal field per key=value fact in the message (frame=/a/b -> FRAME=/a/b) when stderr is
/// connected to the journal, otherwise stderr with timestamps. Safe to call again.
/// In lingercam_common (logging_setup.cpp): journald needs libsystemd, which the core does not link.
void setupLogging(const LoggingOptions &options);

/// True when stderr is the journal stream systemd set up for this service (lingercam_common).
bool stderrIsJournal();

/// Stderr with timestamps: what every logger writes to until setupLogging() or useSink().
spdlog::sink_ptr stderrSink();

/// Makes \a sink the one every named logger writes to, those already created included, at
/// debug level when \a verbose, else info.
void useSink(spdlog::sink_ptr sink, bool verbose);

/// The named logger for a subsystem ("capture", "camera", "store", "sftp", "dbus", ...),
/// created on first use with the shared sink.
std::shared_ptr<spdlog::logger> logger(const std::string &name);

} // namespace lingercam::common
