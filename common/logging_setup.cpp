// SPDX-License-Identifier: BSD-2-Clause
// Choosing the loggers' sink when a program starts: journald, with a field per fact, or stderr.
#include "logging.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include <spdlog/sinks/base_sink.h>

namespace lingercam::common {

namespace {

int syslogPriority(spdlog::level::level_enum level)
{
	switch (level) {
	case spdlog::level::trace:
	case spdlog::level::debug: return 7;
	case spdlog::level::info: return 6;
	case spdlog::level::warn: return 4;
	case spdlog::level::err: return 3;
	case spdlog::level::critical: return 2;
	default: return 6;
	}
}

bool isFieldKey(std::string_view key)
{
	if (key.empty() || key.size() > 32 || !std::islower(static_cast<unsigned char>(key.front())))
		return false;
	for (char c : key)
		if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
			return false;
	// Fields journald or we set ourselves.
	return key != "message" && key != "priority" && key != "syslog_identifier" && key != "code_file" &&
	       key != "code_line" && key != "code_func" && key != "errno" && key != "logger";
}

/// Writes to journald with sd_journal_sendv: the message, its priority, the logger's name as
/// LOGGER=, and every key=value fact as an upper-case field, so `journalctl FRAME=...` works.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
	explicit JournalSink(std::string identifier) : identifier_("SYSLOG_IDENTIFIER=" + std::move(identifier)) {}

protected:
	void sink_it_(const spdlog::details::log_msg &msg) override
	{
		std::string_view payload(msg.payload.data(), msg.payload.size());
		std::vector<std::string> fields;
		fields.reserve(8);
		fields.push_back("MESSAGE=" + std::string(payload));
		fields.push_back("PRIORITY=" + std::to_string(syslogPriority(msg.level)));
		fields.push_back(identifier_);
		fields.push_back("LOGGER=" + std::string(msg.logger_name.data(), msg.logger_name.size()));

		// key=value facts: a value runs to the next space (or is a "quoted string").
		std::size_t pos = 0;
		while (pos < payload.size() && fields.size() < 40) {
			std::size_t eq = payload.find('=', pos);
			if (eq == std::string_view::npos)
				break;
			std::size_t keyStart = payload.rfind(' ', eq);
			keyStart = keyStart == std::string_view::npos || keyStart < pos ? pos : keyStart + 1;
			std::string_view key = payload.substr(keyStart, eq - keyStart);
			std::size_t valueStart = eq + 1;
			std::size_t valueEnd;
			if (valueStart < payload.size() && payload[valueStart] == '"') {
				valueEnd = payload.find('"', valueStart + 1);
				valueEnd = valueEnd == std::string_view::npos ? payload.size() : valueEnd;
				++valueStart;
			} else {
				valueEnd = payload.find(' ', valueStart);
				valueEnd = valueEnd == std::string_view::npos ? payload.size() : valueEnd;
			}
			if (isFieldKey(key)) {
				std::string field;
				for (char c : key)
					field += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
				field += '=';
				field += payload.substr(valueStart, valueEnd - valueStart);
				fields.push_back(std::move(field));
			}
			pos = valueEnd + 1;
		}

		std::vector<iovec> iov;
		iov.reserve(fields.size());
		for (std::string &f : fields)
			iov.push_back({ f.data(), f.size() });
		sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
	}

	void flush_() override {}

private:
	std::string identifier_;
};

} // namespace

bool stderrIsJournal()
{
	const char *stream = std::getenv("JOURNAL_STREAM");
	if (!stream)
		return false;
	unsigned long long dev = 0, ino = 0;
	if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
		return false;
	struct stat st;
	if (fstat(2, &st) != 0)
		return false;
	return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

void setupLogging(const LoggingOptions &options)
{
	bool journal = options.journal.value_or(stderrIsJournal());
	useSink(journal ? spdlog::sink_ptr(std::make_shared<JournalSink>(options.identifier)) : stderrSink(),
		options.verbose);
}

} // namespace lingercam::common
