// SPDX-License-Identifier: BSD-2-Clause
// org.lingercam.Capture1: the capture daemon's D-Bus status API, as the daemon serves it.
#pragma once

#include <memory>
#include <string>

#include "common/served_api.h"

namespace lingercam::capture {

class CaptureStatus;

/// org.lingercam.Capture1 (common/dbus/org.lingercam.Capture1.xml) at /org/lingercam/Capture1:
/// the capture daemon's state for `lingercam-capture status` and `busctl --user`, and
/// CaptureNow. Getters run on the bus thread and read thread-safe snapshots.
class CaptureDbus {
public:
	static constexpr const char *kBusName = "org.lingercam.Capture1";
	static constexpr const char *kObjectPath = "/org/lingercam/Capture1";
	static constexpr const char *kProgram = "lingercam-capture";

	/// Registers the object on \a connection; the caller runs its event loop.
	CaptureDbus(sdbus::IConnection &connection, const CaptureStatus &status, std::string storePath,
		    common::Interrupt &interrupt, common::HostProbe &host);
	~CaptureDbus();

private:
	class Adaptor;
	std::unique_ptr<Adaptor> adaptor_;
};

/// The API as the daemon runs it: CaptureApi::start(connection, status, storePath, interrupt,
/// host), or startOnSessionBus(status, ...); nullptr when it cannot serve (logged).
using CaptureApi = common::dbus::ServedApi<CaptureDbus>;

} // namespace lingercam::capture
