// SPDX-License-Identifier: BSD-2-Clause
// logind, timedated and the user's systemd as stand-ins on a private bus.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <unistd.h>

#include "common/sdbus_compat.h"

namespace lingercam::test {

/// logind, timedated and a user's systemd as far as lingercam asks them, served on a
/// private bus under their real names and paths (the real ones need a booted systemd: the
/// e2e test meets those).
class FakeSystemServices {
public:
	std::atomic<bool> userKnown{ true };   ///< false: GetUser fails with NoSuchUser
	std::atomic<bool> linger{ false };
	std::atomic<bool> ntpSynchronized{ true };
	std::string activeState = "active";    ///< set before serve()
	std::string unitFileState = "enabled";

	/// \a connection: a connection of its own to the private bus.
	explicit FakeSystemServices(std::unique_ptr<sdbus::IConnection> connection) : connection_(std::move(connection))
	{
	}
	~FakeSystemServices()
	{
		if (serving_)
			connection_->leaveEventLoop();
	}

	/// Registers what \a which names ("logind", "timedated", "systemd") and serves them.
	void serve(bool logind, bool timedated, bool systemd)
	{
		namespace dbus = common::dbus;
		if (logind) {
			dbus::requestName(*connection_, "org.freedesktop.login1");
			manager_ = dbus::ObjectBuilder(*connection_, "/org/freedesktop/login1")
					   .method("org.freedesktop.login1.Manager", "GetUser",
						   [this](uint32_t uid) -> sdbus::ObjectPath {
							   if (!userKnown)
								   throw dbus::error("org.freedesktop.login1.NoSuchUser",
										     "User ID is not logged in or lingering");
							   return sdbus::ObjectPath("/org/freedesktop/login1/user/_" +
										    std::to_string(uid));
						   })
					   .finish();
			user_ = dbus::ObjectBuilder(*connection_, "/org/freedesktop/login1/user/_" + std::to_string(::getuid()))
					.property("org.freedesktop.login1.User", "Linger", [this] { return linger.load(); })
					.finish();
		}
		if (timedated) {
			const char *iface = "org.freedesktop.timedate1";
			dbus::requestName(*connection_, iface);
			timedate_ = dbus::ObjectBuilder(*connection_, "/org/freedesktop/timedate1")
					    .property(iface, "NTPSynchronized", [this] { return ntpSynchronized.load(); })
					    .property(iface, "NTP", [] { return true; })
					    .finish();
		}
		if (systemd) {
			dbus::requestName(*connection_, "org.freedesktop.systemd1");
			systemd_ = dbus::ObjectBuilder(*connection_, "/org/freedesktop/systemd1")
					   .method("org.freedesktop.systemd1.Manager", "LoadUnit",
						   [](const std::string &) {
							   return sdbus::ObjectPath("/org/freedesktop/systemd1/unit/capture_2eservice");
						   })
					   .finish();
			const char *iface = "org.freedesktop.systemd1.Unit";
			unit_ = dbus::ObjectBuilder(*connection_, "/org/freedesktop/systemd1/unit/capture_2eservice")
					.property(iface, "LoadState", [] { return std::string("loaded"); })
					.property(iface, "ActiveState", [this] { return activeState; })
					.property(iface, "SubState",
						  [this] { return std::string(activeState == "active" ? "running" : "dead"); })
					.property(iface, "UnitFileState", [this] { return unitFileState; })
					.finish();
		}
		connection_->enterEventLoopAsync();
		serving_ = true;
	}

private:
	std::unique_ptr<sdbus::IConnection> connection_;
	std::unique_ptr<sdbus::IObject> manager_, user_, timedate_, systemd_, unit_;
	bool serving_ = false;
};

} // namespace lingercam::test
