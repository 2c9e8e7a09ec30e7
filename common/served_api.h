// SPDX-License-Identifier: BSD-2-Clause
// A daemon's D-Bus API as it runs, one template for both daemons: the object on a bus
// connection of its own, the well-known name, and a thread serving it; and the client side's
// proxy for `status`.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <sdbus-c++/sdbus-c++.h>

#include "bus_service.h"
#include "dbus_connection.h"
#include "logging.h"
#include "sdbus_compat.h"

namespace lingercam::common {
// What each daemon's API object is built with, besides its status.
class HostProbe;
class Interrupt;
} // namespace lingercam::common

namespace lingercam::common::dbus {

/// Serves \a Object, which names itself (kBusName, kObjectPath, kProgram) and is built as
/// Object(sdbus::IConnection &, Args...). Getters run on the bus thread.
template <typename Object>
class ServedApi {
public:
	/// Serves on \a connection. nullptr when the name is taken (another instance runs); logs why.
	template <typename... Args>
	static std::unique_ptr<ServedApi> start(std::unique_ptr<sdbus::IConnection> connection, Args &&...args)
	{
		auto log = logger("dbus");
		std::unique_ptr<ServedApi> api(new ServedApi);
		api->service_ = std::make_unique<BusService>(std::move(connection));
		try {
			api->object_ = std::make_unique<Object>(api->service_->connection(), std::forward<Args>(args)...);
			api->service_->start(Object::kBusName);
		} catch (const sdbus::Error &e) {
			log->warn("D-Bus API not available: cannot serve {}: {}: {} (another {} running?)", Object::kBusName,
				  e.getName(), e.getMessage(), Object::kProgram);
			return nullptr;
		}
		log->info("D-Bus API up name={} object={}", Object::kBusName, Object::kObjectPath);
		return api;
	}

	/// The same on the user's session bus; nullptr without one (a plain shell, no systemd):
	/// the daemon then runs without the API, and the log says so.
	template <typename... Args>
	static std::unique_ptr<ServedApi> startOnSessionBus(Args &&...args)
	{
		std::string why;
		auto bus = tryOpenBus(BusKind::Session, why);
		if (!bus) {
			logger("dbus")->warn("no session bus ({}): running without the D-Bus API; "
					     "`{} status` will not see this instance",
					     why, Object::kProgram);
			return nullptr;
		}
		return start(std::move(bus), std::forward<Args>(args)...);
	}

	~ServedApi()
	{
		// No getter may run while the object goes away.
		if (service_)
			service_->stop();
		object_.reset();
	}

private:
	ServedApi() = default;

	std::unique_ptr<BusService> service_;
	std::unique_ptr<Object> object_;
};

/// The generated proxy \a Interface for \a Object's name and path on a borrowed connection:
/// what `status` reads the running daemon through.
template <typename Object, typename Interface>
class ApiProxy final : public Proxy<Interface> {
public:
	explicit ApiProxy(sdbus::IConnection &bus) : Proxy<Interface>(bus, Object::kBusName, Object::kObjectPath)
	{
		this->registerProxy();
	}
	~ApiProxy() { this->unregisterProxy(); }
};

} // namespace lingercam::common::dbus
