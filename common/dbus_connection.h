// SPDX-License-Identifier: BSD-2-Clause
// Opening the session and system buses, and property reads with a timeout.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <sdbus-c++/Types.h>

namespace sdbus {
class IConnection;
}

namespace lingercam::common {

/// The user's session bus (the status API, the user's own systemd) or the system bus
/// (logind, timedated).
enum class BusKind { Session, System };

/// Opens a connection of its own to \a kind's bus; throws sdbus::Error when there is none
/// (no DBUS_SESSION_BUS_ADDRESS and no $XDG_RUNTIME_DIR/bus, no system bus socket).
std::unique_ptr<sdbus::IConnection> openBus(BusKind kind);

/// Same, but nullptr with the reason in \a whyNot instead of an exception.
std::unique_ptr<sdbus::IConnection> tryOpenBus(BusKind kind, std::string &whyNot);

/// \a query(bus) over a connection of its own to \a kind's bus; without one, \a unknown with
/// "no system bus: <why>" (or session) in its detail.
template <typename Status, typename Query>
Status queryOverBus(BusKind kind, Status unknown, Query query)
{
	std::string why;
	auto bus = tryOpenBus(kind, why);
	if (!bus) {
		unknown.detail = std::string(kind == BusKind::System ? "no system bus: " : "no session bus: ") + why;
		return unknown;
	}
	return query(*bus);
}

/// Default timeout for the queries the daemons make of system services: long enough for
/// bus activation of timedated, short enough that a status request never hangs.
inline constexpr std::chrono::milliseconds kQueryTimeout{ 5000 };

/// org.freedesktop.DBus.Properties.Get with a timeout (sdbus-c++ 1.2's getProperty has none).
/// Throws sdbus::Error.
sdbus::Variant getPropertyOf(sdbus::IConnection &connection, const std::string &destination,
			     const std::string &objectPath, const std::string &interface, const std::string &property,
			     std::chrono::milliseconds timeout = kQueryTimeout);

/// Exit status of `status` when no daemon serves the API (as `systemctl status` uses).
inline constexpr int kExitNotRunning = 3;

/// The client side of `lingercam-capture status` / `lingercam-pull status`: opens the
/// session bus and runs \a use on it. No bus, or nobody serving \a busName, is said on
/// stderr with what to try (naming \a program and \a unit) and gives kExitNotRunning;
/// other sdbus::Error escape.
int runSessionBusClient(const std::string &program, const std::string &busName, const std::string &unit,
			const std::function<void(sdbus::IConnection &)> &use);

} // namespace lingercam::common
