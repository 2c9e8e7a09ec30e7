// SPDX-License-Identifier: BSD-2-Clause
// Which libcamera the build is against, for code that follows its API and behaviour changes.
#pragma once

#include <libcamera/version.h>

/// True when building against libcamera major.minor.patch or newer (Debian's and Raspberry
/// Pi's libcamera both set LIBCAMERA_VERSION_{MAJOR,MINOR,PATCH}).
#define LINGERCAM_LIBCAMERA_AT_LEAST_PATCH(major, minor, patch)                                        \
	(LIBCAMERA_VERSION_MAJOR > (major) ||                                                          \
	 (LIBCAMERA_VERSION_MAJOR == (major) &&                                                        \
	  (LIBCAMERA_VERSION_MINOR > (minor) ||                                                        \
	   (LIBCAMERA_VERSION_MINOR == (minor) && LIBCAMERA_VERSION_PATCH >= (patch)))))
#define LINGERCAM_LIBCAMERA_AT_LEAST(major, minor) LINGERCAM_LIBCAMERA_AT_LEAST_PATCH(major, minor, 0)
