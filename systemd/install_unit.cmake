# SPDX-License-Identifier: BSD-2-Clause
# Installs one user unit with ExecStart pointing at the installed program. Runs at install
# time (install(CODE) in CMakeLists.txt), where CMAKE_INSTALL_PREFIX is the real prefix and
# file(INSTALL) adds DESTDIR (CPack's staging) and records the file in the install manifest.
# In: LINGERCAM_UNIT_SOURCE (the unit), LINGERCAM_UNIT_PROGRAM (the program, relative to the
# prefix), LINGERCAM_UNIT_DESTINATION (the unit folder, relative to the prefix),
# LINGERCAM_UNIT_WORK_DIR (scratch space in the build tree).
file(READ "${LINGERCAM_UNIT_SOURCE}" unit)
string(REGEX REPLACE "\nExecStart=[^\n]*" "\nExecStart=${CMAKE_INSTALL_PREFIX}/${LINGERCAM_UNIT_PROGRAM} run"
       unit "${unit}")
get_filename_component(name "${LINGERCAM_UNIT_SOURCE}" NAME)
# A folder of its own per run: a cpack and a staged install may run from one build at once.
string(RANDOM LENGTH 12 tag)
set(work "${LINGERCAM_UNIT_WORK_DIR}/${tag}")
file(WRITE "${work}/${name}" "${unit}")
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/${LINGERCAM_UNIT_DESTINATION}" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES "${work}/${name}")
file(REMOVE_RECURSE "${work}")
