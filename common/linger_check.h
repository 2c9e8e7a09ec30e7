// SPDX-License-Identifier: BSD-2-Clause
// Asking logind whether a user lingers, and the journal's warning when not.
#pragma once

#include <string>

#include <sys/types.h>

namespace sdbus {
class IConnection;
}

namespace lingercam::common {

/// What logind says about a user's lingering.
struct LingerStatus {
	enum class State { Yes, No, Unknown };
	State state = State::Unknown;
	std::string user;   ///< the user's name
	std::string detail; ///< why Unknown (no system bus, logind did not answer)

	bool lingers() const { return state == State::Yes; }
};

/// Asks logind (org.freedesktop.login1 on \a systemBus) whether \a uid lingers. A user logind
/// does not know (no session, no lingering: GetUser fails with NoSuchUser) does not linger.
/// Never throws: failures come back as Unknown with the reason.
LingerStatus queryLinger(sdbus::IConnection &systemBus, uid_t uid);

/// The same on a fresh connection to the system bus.
LingerStatus queryLinger(uid_t uid);

/// The journal's warning for a user who does not linger: what will happen to \a unit and
/// the command that fixes it. Empty when the user lingers.
std::string lingerWarning(const LingerStatus &status, const std::string &unit);

/// At daemon start: logs the linger warning (logger "dbus"), or at debug level that all is well.
void logLingerCheck(const LingerStatus &status, const std::string &unit);

/// The user's name from the password database, or the number when there is none.
std::string userName(uid_t uid);

} // namespace lingercam::common
