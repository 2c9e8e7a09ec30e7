#include "host_probe.h"

#include <unistd.h>

namespace lingercam::common {

LingerStatus BusHostProbe::linger()
{
	return queryLinger(getuid());
}

} // namespace lingercam::common
