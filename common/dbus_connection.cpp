#include "dbus_connection.h"

#include <sdbus-c++/sdbus-c++.h>

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
	auto proxy = sdbus::createProxy(connection, destination, objectPath);
	sdbus::Variant value;
	proxy->callMethod("Get")
		.onInterface("org.freedesktop.DBus.Properties")
		.withTimeout(timeout)
		.withArguments(interface, property)
		.storeResultsTo(value);
	return value;
}

} // namespace lingercam::common
