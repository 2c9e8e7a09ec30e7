#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>

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
		if (logind) {
			connection_->requestName("org.freedesktop.login1");
			manager_ = sdbus::createObject(*connection_, "/org/freedesktop/login1");
			manager_->registerMethod("GetUser")
				.onInterface("org.freedesktop.login1.Manager")
				.implementedAs([this](uint32_t uid) -> sdbus::ObjectPath {
					if (!userKnown)
						throw sdbus::Error("org.freedesktop.login1.NoSuchUser", "User ID is not logged in or lingering");
					return sdbus::ObjectPath("/org/freedesktop/login1/user/_" + std::to_string(uid));
				});
			manager_->finishRegistration();
			user_ = sdbus::createObject(*connection_, "/org/freedesktop/login1/user/_" + std::to_string(::getuid()));
			user_->registerProperty("Linger").onInterface("org.freedesktop.login1.User").withGetter([this] {
				return linger.load();
			});
			user_->finishRegistration();
		}
		if (timedated) {
			connection_->requestName("org.freedesktop.timedate1");
			timedate_ = sdbus::createObject(*connection_, "/org/freedesktop/timedate1");
			timedate_->registerProperty("NTPSynchronized").onInterface("org.freedesktop.timedate1").withGetter([this] {
				return ntpSynchronized.load();
			});
			timedate_->registerProperty("NTP").onInterface("org.freedesktop.timedate1").withGetter([] { return true; });
			timedate_->finishRegistration();
		}
		if (systemd) {
			connection_->requestName("org.freedesktop.systemd1");
			systemd_ = sdbus::createObject(*connection_, "/org/freedesktop/systemd1");
			systemd_->registerMethod("LoadUnit")
				.onInterface("org.freedesktop.systemd1.Manager")
				.implementedAs([](const std::string &) {
					return sdbus::ObjectPath("/org/freedesktop/systemd1/unit/capture_2eservice");
				});
			systemd_->finishRegistration();
			unit_ = sdbus::createObject(*connection_, "/org/freedesktop/systemd1/unit/capture_2eservice");
			const char *iface = "org.freedesktop.systemd1.Unit";
			unit_->registerProperty("LoadState").onInterface(iface).withGetter([] { return std::string("loaded"); });
			unit_->registerProperty("ActiveState").onInterface(iface).withGetter([this] { return activeState; });
			unit_->registerProperty("SubState").onInterface(iface).withGetter([this] {
				return std::string(activeState == "active" ? "running" : "dead");
			});
			unit_->registerProperty("UnitFileState").onInterface(iface).withGetter([this] { return unitFileState; });
			unit_->finishRegistration();
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
