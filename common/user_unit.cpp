// SPDX-License-Identifier: BSD-2-Clause
// Asking the user's systemd about a unit (see user_unit.h).
#include "user_unit.h"

#include "sdbus_compat.h"

#include "dbus_connection.h"

namespace lingercam::common {

namespace {

constexpr const char *kSystemd = "org.freedesktop.systemd1";

} // namespace

UserUnitState queryUserUnit(sdbus::IConnection &sessionBus, const std::string &unit)
{
	UserUnitState state;
	try {
		auto manager = dbus::createProxy(sessionBus, kSystemd, "/org/freedesktop/systemd1");
		sdbus::ObjectPath path;
		// LoadUnit, not GetUnit: GetUnit fails for a unit that is merely not loaded right now.
		manager->callMethod("LoadUnit")
			.onInterface("org.freedesktop.systemd1.Manager")
			.withTimeout(kQueryTimeout)
			.withArguments(unit)
			.storeResultsTo(path);
		const char *iface = "org.freedesktop.systemd1.Unit";
		auto get = [&](const char *name) { return getPropertyOf(sessionBus, kSystemd, path, iface, name).get<std::string>(); };
		state.loadState = get("LoadState");
		state.activeState = get("ActiveState");
		state.subState = get("SubState");
		state.unitFileState = get("UnitFileState");
	} catch (const sdbus::Error &e) {
		state = {};
		state.detail = "the user's systemd did not answer: " + e.getName() + ": " + e.getMessage();
	}
	return state;
}

UserUnitState queryUserUnit(const std::string &unit)
{
	return queryOverBus(BusKind::Session, UserUnitState{},
			    [&unit](sdbus::IConnection &bus) { return queryUserUnit(bus, unit); });
}

} // namespace lingercam::common
