// SPDX-License-Identifier: BSD-2-Clause
// Opening the session and system buses, and property reads with a timeout (see dbus_connection.h).
#include "dbus_connection.h"

#include <iostream>

#include "sdbus_compat.h"

namespace lingercam::common {

std::unique_ptr<sdbus::IConnection> openBus(BusKind kind)
{
	return kind == BusKind::Session ? sdbus::createSessionBusConnection() : sdbus::createSystemBusConnection();
}

std::unique_ptr<sdbus::IConnection> tryOpenBus(BusKind kind, std::string &whyNot)
{
	try {
		return openBus(kind);
	} catch (const sdbus::Error &e) {
		whyNot = e.getMessage().empty() ? e.getName() : e.getMessage();
		return nullptr;
	}
}

sdbus::Variant getPropertyOf(sdbus::IConnection &connection, const std::string &destination,
			     const std::string &objectPath, const std::string &interface, const std::string &property,
			     std::chrono::milliseconds timeout)
{
	// A proxy on a borrowed connection: no event loop thread of its own, the call blocks.
	auto proxy = dbus::createProxy(connection, destination, objectPath);
	sdbus::Variant value;
	proxy->callMethod("Get")
		.onInterface("org.freedesktop.DBus.Properties")
		.withTimeout(timeout)
		.withArguments(interface, property)
		.storeResultsTo(value);
	return value;
}

int runSessionBusClient(const std::string &program, const std::string &busName, const std::string &unit,
			const std::function<void(sdbus::IConnection &)> &use)
{
	std::string why;
	auto bus = tryOpenBus(BusKind::Session, why);
	if (!bus) {
		std::cerr << "no session bus (" << why << "): run this as the service's user in a login session, "
			  << "or with XDG_RUNTIME_DIR=/run/user/$(id -u)\n";
		return kExitNotRunning;
	}
	try {
		use(*bus);
	} catch (const sdbus::Error &e) {
		if (e.getName() != "org.freedesktop.DBus.Error.ServiceUnknown" &&
		    e.getName() != "org.freedesktop.DBus.Error.NameHasNoOwner")
			throw;
		std::cerr << program << " is not running for this user (nobody serves " << busName
			  << " on the session bus): systemctl --user status " << unit << "; " << program << " doctor\n";
		return kExitNotRunning;
	}
	return 0;
}

} // namespace lingercam::common
