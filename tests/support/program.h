// SPDX-License-Identifier: BSD-2-Clause
// How a test starts one of the project's programs: this build's binary, behind the cross
// build's emulator (qemu-aarch64) when there is one, because the kernel alone cannot exec
// an arm64 binary on an amd64 machine.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace lingercam::test {

/// LINGERCAM_TEST_EMULATOR is CMAKE_CROSSCOMPILING_EMULATOR ("" in a native build).
inline const std::string kEmulator = LINGERCAM_TEST_EMULATOR;

/// The program at \a relative under the build tree ("capture/lingercam-capture").
inline std::string programPath(const std::string &relative)
{
	return std::string(LINGERCAM_BINARY_DIR) + "/" + relative;
}

/// The argv that runs it: the emulator first when there is one.
inline std::vector<std::string> programArgv(const std::string &relative)
{
	std::vector<std::string> argv;
	if (!kEmulator.empty())
		argv.push_back(kEmulator);
	argv.push_back(programPath(relative));
	return argv;
}

/// The same as the start of a shell command line.
inline std::string programCommand(const std::string &relative)
{
	return kEmulator.empty() ? programPath(relative) : kEmulator + " " + programPath(relative);
}

/// Puts the program at \a relative where a script under test expects a binary (an installer's
/// --from tree): a copy of it, or under emulation a launcher of the same name that runs it
/// in the emulator, since the script will exec it.
inline void placeProgram(const std::string &relative, const std::filesystem::path &dest)
{
	if (kEmulator.empty()) {
		std::filesystem::copy_file(programPath(relative), dest);
		return;
	}
	std::ofstream(dest) << "#!/bin/sh\nexec " << kEmulator << " " << programPath(relative) << " \"$@\"\n";
	std::filesystem::permissions(dest, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
						   std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
						   std::filesystem::perms::others_exec);
}

/// What a run of a program gave: its exit status (-1 when a signal ended it) and its
/// standard output and error together.
struct ProgramResult {
	int status = -1;
	std::string output;
};

/// Runs the program at \a relative with \a args (shell words) and waits for it.
inline ProgramResult runProgram(const std::string &relative, const std::string &args)
{
	const std::string cmd = programCommand(relative) + " " + args + " 2>&1";
	FILE *p = ::popen(cmd.c_str(), "r");
	std::string out;
	char buf[512];
	while (std::size_t n = std::fread(buf, 1, sizeof buf, p))
		out.append(buf, n);
	const int raw = ::pclose(p);
	return { WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out };
}

} // namespace lingercam::test
