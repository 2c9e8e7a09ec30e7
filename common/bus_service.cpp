// SPDX-License-Identifier: BSD-2-Clause
// A bus connection serving objects on a thread of its own (see bus_service.h).
#include "bus_service.h"

#include "sdbus_compat.h"

namespace lingercam::common {

BusService::BusService(std::unique_ptr<sdbus::IConnection> connection) : connection_(std::move(connection)) {}

BusService::~BusService()
{
	stop();
}

void BusService::start(const std::string &name)
{
	dbus::requestName(*connection_, name);
	name_ = name;
	connection_->enterEventLoopAsync();
	running_ = true;
}

void BusService::stop()
{
	if (!running_)
		return;
	// leaveEventLoop joins the loop's thread: no callback runs after it returns.
	connection_->leaveEventLoop();
	running_ = false;
	try {
		dbus::releaseName(*connection_, name_);
	} catch (const sdbus::Error &) {
		// The bus may be gone already (logout, shutdown); the name goes with the connection.
	}
}

} // namespace lingercam::common
