// SPDX-License-Identifier: BSD-2-Clause
// The host facts asked over D-Bus (see host_probe.h).
#include "host_probe.h"

#include <unistd.h>

namespace lingercam::common {

LingerStatus BusHostProbe::linger()
{
	return queryLinger(getuid());
}

} // namespace lingercam::common
