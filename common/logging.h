// SPDX-License-Identifier: BSD-2-Clause
// The named spdlog loggers and their shared sink: journald with fields, or stderr.
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
void setupLogging(const LoggingOptions &options);

/// True when stderr is the journal stream systemd set up for this service.
bool stderrIsJournal();

/// The named logger for a subsystem ("capture", "camera", "store", "sftp", "dbus", ...),
/// created on first use with the shared sink.
std::shared_ptr<spdlog::logger> logger(const std::string &name);

} // namespace lingercam::common
