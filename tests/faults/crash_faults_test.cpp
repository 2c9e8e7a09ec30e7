// SPDX-License-Identifier: BSD-2-Clause
// kill -9 and SIGTERM: capture killed at random moments of 500 cycles, pull killed mid-transfer
// 100 times, and both stopped mid-work; afterwards nothing is torn, lost or left behind.
#include "fault_test.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "support/program.h"

namespace {

// ------------------------------------------------------------------ crashes
// kill -9 at random moments across 500 capture cycles: every cycle is a whole start, still,
// publish and exit (`once`), killed at a random point of its usual duration.
TEST(Crashes, CaptureKilledAtRandomMomentsLosesAndTearsNothing)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	const std::string config = captureConfig(tmp.path());
	const fs::path store = tmp.path() / "store";

	// How long a cycle takes here: the kills fall across all of it.
	std::vector<std::chrono::microseconds> took;
	std::set<std::string> expected;
	for (int i = 0; i < 5; ++i) {
		const auto s = std::chrono::steady_clock::now();
		Proc p = spawn(captureArgs(config, "once"), tmp.path() / "once.log");
		ASSERT_EQ(waitFor(p).code, 0) << slurp(p.out);
		took.push_back(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - s));
	}
	std::sort(took.begin(), took.end());
	const auto cycle = took[2];
	expected = framesIn(store);

	unsigned killed = 0, completed = 0, latestBroken = 0, midWrite = 0;
	for (int i = 0; i < 500; ++i) {
		// Every fourth cycle is killed the moment its frame's .tmp appears (inotify on the
		// day's folder): a kill while the frame is being written, every time. The others
		// at a random moment of the whole cycle.
		const int watch = i % 4 == 3 ? ::inotify_init1(IN_CLOEXEC) : -1;
		if (watch >= 0)
			::inotify_add_watch(watch, (store / fs::read_symlink(store / "latest.jpg")).parent_path().c_str(),
					    IN_CREATE);
		Proc p = spawn(captureArgs(config, "once"), tmp.path() / "once.log");
		if (watch >= 0) {
			alignas(inotify_event) char events[4096];
			const auto until = std::chrono::steady_clock::now() + cycle * 4;
			for (bool seen = false; !seen && std::chrono::steady_clock::now() < until;) {
				pollfd pfd{ watch, POLLIN, 0 };
				if (::poll(&pfd, 1, 5) <= 0)
					continue;
				const ssize_t n = ::read(watch, events, sizeof events);
				for (ssize_t at = 0; n > 0 && at < n;) {
					const auto *ev = reinterpret_cast<const inotify_event *>(events + at);
					seen = seen || (ev->len && std::string_view(ev->name).ends_with(".tmp"));
					at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
				}
			}
			::close(watch);
		} else {
			std::this_thread::sleep_for(uniform(0us, cycle * 5 / 4));
		}
		::kill(p.pid, SIGKILL);
		Exit e = waitFor(p);
		midWrite += leftovers(store) > 0; // the next start removes it
		if (e.exited && e.code == 0) {
			// It finished first: the frame it printed must stay.
			++completed;
			std::string path = slurp(p.out);
			while (!path.empty() && (path.back() == '\n' || path.back() == '\r'))
				path.pop_back();
			path = path.substr(path.rfind('\n') + 1);
			expected.insert(fs::path(path).lexically_relative(store).string());
		} else {
			++killed;
		}
		if (!latestPointsToAFrame(store))
			++latestBroken;
	}
	const std::size_t leftBefore = leftovers(store);
	// The next start cleans up what the kills left.
	Proc p = spawn(captureArgs(config, "once"), tmp.path() / "once.log");
	ASSERT_EQ(waitFor(p).code, 0) << slurp(p.out);
	const std::size_t leftAfter = leftovers(store);

	const auto present = framesIn(store);
	std::size_t valid = 0, torn = 0, lost = 0;
	for (const auto &f : present)
		decodesWhole(store / f) ? ++valid : ++torn;
	for (const auto &f : expected)
		lost += present.count(f) == 0;
	std::printf("capture kill -9: %u killed, %u of them mid-write (a .tmp left), %u finished first; cycle %.0f ms; "
		    "leftovers %zu before the last start, %zu after; latest.jpg broken after %u kills\n",
		    killed, midWrite, completed, static_cast<double>(cycle.count()) / 1000, leftBefore, leftAfter,
		    latestBroken);
	table().push_back({ "kill -9 capture (500 cycles)", killed, expected.size(), valid, lost, torn, 501, since(t0),
			    std::to_string(midWrite) + " kills mid-write; .tmp after the next start: " +
				    std::to_string(leftAfter) });
	// A kill races the rename it aims at; on a loaded machine most lose. Ten that landed are
	// enough to show a kill mid-write tears nothing (a quiet machine lands 40 to 60).
	EXPECT_GE(midWrite, 10u) << "too few kills landed while a frame was being written";

	EXPECT_GE(killed, 250u) << "most kills must land while capture runs";
	EXPECT_EQ(torn, 0u);
	EXPECT_EQ(lost, 0u);
	EXPECT_EQ(latestBroken, 0u) << "latest.jpg pointed nowhere after a kill";
	EXPECT_TRUE(latestPointsToAFrame(store));
	EXPECT_EQ(leftAfter, 0u) << "the next start left the .tmp files of the kills";
	EXPECT_GE(present.size(), expected.size());
}

// Pull killed 100 times in the middle of a transfer over a slow link (a real sftp-server,
// its output throttled): nothing partial is ever visible, each next round resumes, and in
// the end the mirror is the camera's store byte for byte.
TEST(Crashes, PullKilledMidTransferShowsNothingPartialAndEndsIdentical)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	const fs::path remote = tmp.path() / "camera" / "store";
	const fs::path local = tmp.path() / "mirror";
	const int kFrames = 300;
	fillCameraStore(remote, kFrames, 300'000);
	SshdHarness sshd(tmp.path() / "sshd", "/usr/lib/openssh/sftp-server | " +
						      programPath("tests/faults/throttle") + " 4000000");
	sshd.start();
	const std::string config = pullConfig(tmp.path(), sshd, remote, local);

	std::set<std::string> checked; // frames already compared with the camera's
	unsigned kills = 0, midTransfer = 0;
	std::size_t partial = 0;
	for (int i = 0; i < 100; ++i) {
		Proc p = spawn(pullArgs(config, "once"), tmp.path() / "pull.log");
		std::this_thread::sleep_for(uniform(150ms, 600ms));
		::kill(p.pid, SIGKILL);
		Exit e = waitFor(p);
		if (!e.exited)
			++kills;
		// Whatever a reader sees now is whole: every visible frame is the camera's.
		const auto seen = framesIn(local);
		for (const auto &f : seen)
			if (!checked.count(f)) {
				if (readBytes(local / f) == readBytes(remote / f))
					checked.insert(f);
				else
					++partial;
			}
		if (!e.exited && seen.size() < static_cast<std::size_t>(kFrames))
			++midTransfer;
	}
	// The next round finishes the job.
	Proc p = spawn(pullArgs(config, "once"), tmp.path() / "pull.log");
	Exit last = waitFor(p, 300s);
	const std::string log = slurp(p.out);
	EXPECT_EQ(last.code, 0) << log;

	const auto present = framesIn(local);
	std::size_t valid = 0, torn = 0;
	for (const auto &f : present)
		readBytes(local / f) == readBytes(remote / f) ? ++valid : ++torn;
	const std::size_t lost = static_cast<std::size_t>(kFrames) - std::min<std::size_t>(valid, kFrames);
	std::printf("pull kill -9: %u kills, %u mid-transfer; %zu partial seen; last round: %s\n", kills, midTransfer,
		    partial, log.substr(log.find("round done") == std::string::npos ? 0 : log.find("round done")).substr(0, 200).c_str());
	table().push_back({ "kill -9 pull mid-transfer (100)", kills, static_cast<std::size_t>(kFrames), valid, lost,
			    torn + partial, 101, since(t0),
			    std::to_string(midTransfer) + " kills mid-transfer; the last round fetched the rest: " +
				    log.substr(log.find("fetched="), log.find(' ', log.find("fetched=")) - log.find("fetched=")) });

	// Each round went on from where the killed ones stopped: the last fetched only the rest.
	const auto at = log.find("fetched=");
	ASSERT_NE(at, std::string::npos) << log;
	const unsigned lastFetched = static_cast<unsigned>(std::stoul(log.substr(at + 8)));
	EXPECT_LT(lastFetched, static_cast<unsigned>(kFrames)) << "the last round started over";
	EXPECT_GE(midTransfer, 50u) << "the kills must land mid-transfer";
	EXPECT_EQ(partial, 0u) << "a partial frame was visible after a kill";
	EXPECT_EQ(torn, 0u);
	EXPECT_EQ(lost, 0u);
	EXPECT_EQ(leftovers(local), 0u) << "the last round left .part files";
	EXPECT_TRUE(latestPointsToAFrame(local));
}

// ------------------------------------------------------------------ signals
// SIGTERM while capture writes, and while pull transfers: a clean exit (status 0) and a
// consistent store.
TEST(Signals, SigtermDuringAWriteOrATransferExitsCleanly)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	const std::string config = captureConfig(tmp.path());
	const fs::path store = tmp.path() / "store";
	unsigned clean = 0, stops = 0;
	for (int i = 0; i < 10; ++i) {
		Proc p = spawn(captureArgs(config, "run"), tmp.path() / "run.log");
		// The daemon starts, then stills follow each second: stop it at any moment.
		std::this_thread::sleep_for(uniform(300ms, 2500ms));
		::kill(p.pid, SIGTERM);
		++stops;
		Exit e = waitFor(p, 30s);
		clean += e.exited && e.code == 0;
		EXPECT_TRUE(e.exited && e.code == 0) << "capture after SIGTERM: " << (e.exited ? "exit " : "signal ")
						     << e.code << "\n" << slurp(p.out);
		EXPECT_EQ(leftovers(store), 0u) << "a stopped capture left a .tmp";
		EXPECT_TRUE(latestPointsToAFrame(store));
	}
	const auto frames = framesIn(store);
	std::size_t valid = 0, torn = 0;
	for (const auto &f : frames)
		decodesWhole(store / f) ? ++valid : ++torn;
	EXPECT_EQ(torn, 0u);
	EXPECT_GT(frames.size(), 0u);
	table().push_back({ "SIGTERM capture mid-write (10)", stops, frames.size(), valid, frames.size() - valid, torn, 10,
			    since(t0), std::to_string(clean) + " of " + std::to_string(stops) + " exited 0" });

	// Pull: a daemon round over a slow link, stopped mid-transfer; the next round completes.
	const auto t1 = std::chrono::steady_clock::now();
	const fs::path remote = tmp.path() / "camera" / "store";
	const fs::path local = tmp.path() / "mirror";
	fillCameraStore(remote, 60, 300'000);
	SshdHarness sshd(tmp.path() / "sshd", "/usr/lib/openssh/sftp-server | " +
						      programPath("tests/faults/throttle") + " 2000000");
	sshd.start();
	const std::string pconfig = pullConfig(tmp.path(), sshd, remote, local);
	unsigned pclean = 0, pstops = 0;
	std::size_t partial = 0;
	for (int i = 0; i < 3; ++i) {
		Proc p = spawn(pullArgs(pconfig, "run"), tmp.path() / "pull-run.log");
		// The first round starts within 5 s: stop it once frames flow.
		const auto until = std::chrono::steady_clock::now() + 20s;
		const std::size_t before = framesIn(local).size();
		while (framesIn(local).size() == before && leftovers(local) == 0 && std::chrono::steady_clock::now() < until)
			std::this_thread::sleep_for(50ms);
		std::this_thread::sleep_for(uniform(0ms, 500ms));
		::kill(p.pid, SIGTERM);
		++pstops;
		Exit e = waitFor(p, 30s);
		pclean += e.exited && e.code == 0;
		EXPECT_TRUE(e.exited && e.code == 0) << "pull after SIGTERM: " << (e.exited ? "exit " : "signal ") << e.code
						     << "\n" << slurp(p.out);
		for (const auto &f : framesIn(local))
			partial += readBytes(local / f) != readBytes(remote / f);
	}
	Proc p = spawn(pullArgs(pconfig, "once"), tmp.path() / "pull.log");
	EXPECT_EQ(waitFor(p, 120s).code, 0) << slurp(p.out);
	const auto present = framesIn(local);
	std::size_t same = 0;
	for (const auto &f : present)
		same += readBytes(local / f) == readBytes(remote / f);
	EXPECT_EQ(partial, 0u);
	EXPECT_EQ(same, 60u);
	table().push_back({ "SIGTERM pull mid-transfer (3)", pstops, 60, same, 60 - std::min<std::size_t>(same, 60), partial,
			    4, since(t1), std::to_string(pclean) + " of " + std::to_string(pstops) + " exited 0" });
}

} // namespace
