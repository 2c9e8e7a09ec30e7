// SPDX-License-Identifier: BSD-2-Clause
// Asking the user's systemd about a unit, as `systemctl --user` would show it.
#pragma once

#include <string>

namespace sdbus {
class IConnection;
}

namespace lingercam::common {

/// A unit of the user's own service manager, as `systemctl --user` would show it.
struct UserUnitState {
	std::string loadState;     ///< "loaded", "not-found", ... ; empty when unknown
	std::string activeState;   ///< "active", "inactive", "failed", "activating", ...
	std::string subState;      ///< "running", "dead", "auto-restart", ...
	std::string unitFileState; ///< "enabled", "disabled", "linked", ...
	std::string detail;        ///< why unknown (no user manager)

	bool known() const { return !loadState.empty(); }
	bool enabled() const { return unitFileState == "enabled" || unitFileState == "enabled-runtime"; }
	bool active() const { return activeState == "active"; }
};

/// Asks the user's systemd (org.freedesktop.systemd1 on \a sessionBus) about \a unit, e.g.
/// "capture.service". Never throws.
UserUnitState queryUserUnit(sdbus::IConnection &sessionBus, const std::string &unit);

/// The same on a fresh connection to the session bus.
UserUnitState queryUserUnit(const std::string &unit);

} // namespace lingercam::common
