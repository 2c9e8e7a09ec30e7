// SPDX-License-Identifier: BSD-2-Clause
// A bus connection that serves objects on a thread of its own under a well-known name.
#pragma once

#include <memory>
#include <string>

namespace sdbus {
class IConnection;
}

namespace lingercam::common {

/// A bus connection that serves objects on a thread of its own under a well-known name.
///
/// Register the objects on connection() first, then start(); stop() (or the destructor)
/// leaves the event loop, after which the objects may be destroyed safely.
class BusService {
public:
	explicit BusService(std::unique_ptr<sdbus::IConnection> connection);
	~BusService();
	BusService(const BusService &) = delete;
	BusService &operator=(const BusService &) = delete;

	sdbus::IConnection &connection() { return *connection_; }

	/// Requests \a name and starts the event loop thread. Throws sdbus::Error (e.g. the name
	/// is taken: another instance runs).
	void start(const std::string &name);
	/// Leaves the event loop and joins its thread; idempotent.
	void stop();

private:
	std::unique_ptr<sdbus::IConnection> connection_;
	std::string name_;
	bool running_ = false;
};

} // namespace lingercam::common
