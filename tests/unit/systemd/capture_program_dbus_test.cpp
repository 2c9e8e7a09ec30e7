// SPDX-License-Identifier: BSD-2-Clause
// The real lingercam-capture binary: `run` serves its API on the session bus (here a private
// dbus-daemon) and `status` shows it; without any session bus `run` captures all the same.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

#include <sys/wait.h>

#include "private_bus.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace lingercam;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kBin = test::programCommand("capture/lingercam-capture");

std::string slurp(const fs::path &p)
{
	std::ifstream in(p);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

int shell(const std::string &cmd)
{
	int status = std::system(cmd.c_str());
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// `lingercam-capture run` in the background with \a env, stopped (SIGTERM) at the end.
class Daemon {
public:
	Daemon(const std::string &env, const fs::path &dir) : dir_(dir)
	{
		shell("env -u NOTIFY_SOCKET -u JOURNAL_STREAM " + env + " " + kBin +
		      " run --source testpattern --interval 1s --store " + (dir / "store").string() + " >" +
		      (dir / "log").string() + " 2>&1 & echo $! >" + (dir / "pid").string());
		pid_ = std::stoi(slurp(dir / "pid"));
	}
	~Daemon()
	{
		::kill(pid_, SIGTERM);
		for (int i = 0; i < 100 && ::kill(pid_, 0) == 0; ++i)
			std::this_thread::sleep_for(50ms);
	}
	std::string log() const { return slurp(dir_ / "log"); }

private:
	fs::path dir_;
	int pid_ = -1;
};

} // namespace

TEST(TheCaptureProgram, ServesItsApiOnTheSessionBusAndStatusShowsIt)
{
	test::PrivateBus bus;
	test::TempDir dir;
	const std::string env = "DBUS_SESSION_BUS_ADDRESS=" + bus.address();
	Daemon daemon(env, dir.path());
	// Three frames, so that status can tell the interval from them.
	test::waitUntil([&] {
		const std::string log = daemon.log();
		return log.find("frame saved") != log.rfind("frame saved") &&
		       log.find("frame saved", log.find("frame saved") + 1) != log.rfind("frame saved");
	});

	const fs::path out = dir.path() / "status";
	ASSERT_EQ(shell(env + " " + kBin + " status >" + out.string() + " 2>&1"), 0) << slurp(out) << daemon.log();
	const std::string text = slurp(out);
	EXPECT_NE(text.find("lingercam-capture: capturing (source testpattern)"), std::string::npos) << text;
	EXPECT_NE(text.find((dir.path() / "store").string()), std::string::npos) << text;
	// The last day's coverage, read from the store: a frame a second so far.
	EXPECT_NE(text.find("  last 24 h:    "), std::string::npos) << text;
	EXPECT_NE(text.find("frames ("), std::string::npos) << text;
	EXPECT_NE(text.find("one every 1.0s"), std::string::npos) << text;
	EXPECT_NE(daemon.log().find("D-Bus API up name=org.lingercam.Capture1"), std::string::npos) << daemon.log();

	// busctl reads the same interface, as a person on the Pi would.
	const fs::path props = dir.path() / "busctl";
	ASSERT_EQ(shell("busctl --address=" + bus.address() +
			" get-property org.lingercam.Capture1 /org/lingercam/Capture1 org.lingercam.Capture1 State >" +
			props.string() + " 2>&1"),
		  0)
		<< slurp(props);
	EXPECT_EQ(slurp(props), "s \"capturing\"\n");
}

TEST(TheCaptureProgram, StatusSaysSoWhenNoDaemonRuns)
{
	test::PrivateBus bus;
	test::TempDir dir;
	const fs::path out = dir.path() / "status";
	EXPECT_EQ(shell("DBUS_SESSION_BUS_ADDRESS=" + bus.address() + " " + kBin + " status >" + out.string() + " 2>&1"), 3);
	EXPECT_NE(slurp(out).find("lingercam-capture is not running for this user"), std::string::npos) << slurp(out);
}

TEST(TheCaptureProgram, RunsWithoutTheApiWhenThereIsNoSessionBus)
{
	test::TempDir dir;
	Daemon daemon("DBUS_SESSION_BUS_ADDRESS=unix:path=" + (dir.path() / "no-bus").string() +
			      " XDG_RUNTIME_DIR=" + (dir.path() / "no-runtime").string(),
		      dir.path());
	test::waitUntil([&] { return daemon.log().find("frame saved") != std::string::npos; });
	const std::string log = daemon.log();
	EXPECT_NE(log.find("running without the D-Bus API"), std::string::npos) << log;
	EXPECT_NE(log.find("frame saved"), std::string::npos) << "captures all the same: " << log;
}
