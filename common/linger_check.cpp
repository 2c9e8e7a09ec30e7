// SPDX-License-Identifier: BSD-2-Clause
// Asking logind whether a user lingers, and the warning when not (see linger_check.h).
#include "linger_check.h"

#include <pwd.h>

#include "sdbus_compat.h"
#include <spdlog/spdlog.h>

#include "dbus_connection.h"
#include "logging.h"

namespace lingercam::common {

namespace {

constexpr const char *kLogind = "org.freedesktop.login1";

} // namespace

std::string userName(uid_t uid)
{
	struct passwd pw {};
	struct passwd *result = nullptr;
	char buffer[4096];
	if (getpwuid_r(uid, &pw, buffer, sizeof buffer, &result) == 0 && result)
		return result->pw_name;
	return std::to_string(uid);
}

LingerStatus queryLinger(sdbus::IConnection &systemBus, uid_t uid)
{
	LingerStatus status;
	status.user = userName(uid);
	try {
		auto manager = dbus::createProxy(systemBus, kLogind, "/org/freedesktop/login1");
		sdbus::ObjectPath path;
		try {
			manager->callMethod("GetUser")
				.onInterface("org.freedesktop.login1.Manager")
				.withTimeout(kQueryTimeout)
				.withArguments(static_cast<std::uint32_t>(uid))
				.storeResultsTo(path);
		} catch (const sdbus::Error &e) {
			// logind forgets a user with no session who does not linger.
			if (e.getName() == "org.freedesktop.login1.NoSuchUser") {
				status.state = LingerStatus::State::No;
				return status;
			}
			throw;
		}
		bool linger = getPropertyOf(systemBus, kLogind, path, "org.freedesktop.login1.User", "Linger").get<bool>();
		status.state = linger ? LingerStatus::State::Yes : LingerStatus::State::No;
	} catch (const sdbus::Error &e) {
		status.state = LingerStatus::State::Unknown;
		status.detail = "logind did not answer: " + e.getName() + ": " + e.getMessage();
	}
	return status;
}

LingerStatus queryLinger(uid_t uid)
{
	LingerStatus unknown;
	unknown.user = userName(uid);
	return queryOverBus(BusKind::System, std::move(unknown),
			    [uid](sdbus::IConnection &bus) { return queryLinger(bus, uid); });
}

std::string lingerWarning(const LingerStatus &status, const std::string &unit)
{
	if (status.lingers())
		return {};
	const std::string subject = status.state == LingerStatus::State::No
					    ? "user " + status.user + " does not linger"
					    : "cannot tell whether user " + status.user + " lingers (" + status.detail + ")";
	return subject + ": systemd stops " + unit + " about 10 s after " + status.user +
	       "'s last session ends, and starts it again only at the next login (an ssh login from a "
	       "cron job included); at boot it does not start until someone logs in. Fix: loginctl enable-linger " +
	       status.user + " (or run lingercam-install again)";
}

void logLingerCheck(const LingerStatus &status, const std::string &unit)
{
	auto log = logger("dbus");
	if (status.lingers()) {
		log->debug("user {} lingers: {} keeps running with nobody logged in", status.user, unit);
		return;
	}
	log->warn("{} linger={} user={}", lingerWarning(status, unit),
		  status.state == LingerStatus::State::No ? "no" : "unknown", status.user);
}

} // namespace lingercam::common
