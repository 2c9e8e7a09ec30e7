# SPDX-License-Identifier: BSD-2-Clause
# CMake toolchain for an arm64 (aarch64) build on an amd64 Debian 13 with arm64 multiarch:
# crossbuild-essential-arm64 and the project's -dev packages as :arm64 (see
# scripts/debian-root.sh, profile debian13-arm64, and scripts/cross-build-arm64.sh).
# Tests run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries and CMake packages: the arm64 ones only. Programs (sdbus-c++-xml2cpp, ninja):
# the build machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# The arm64 loader and libraries live in the same root (multiarch), so qemu needs no -L.
find_program(LINGERCAM_QEMU_AARCH64 qemu-aarch64)
if(LINGERCAM_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LINGERCAM_QEMU_AARCH64})
else()
  message(WARNING "no qemu-aarch64 (Debian package qemu-user): the arm64 programs build, but "
                  "the tests cannot run here; configure with -DLINGERCAM_BUILD_TESTS=OFF")
endif()
