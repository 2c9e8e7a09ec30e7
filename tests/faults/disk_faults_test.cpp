// SPDX-License-Identifier: BSD-2-Clause
// Full disks: capture on a small file system that fills up, pull's mirror reaching its floor.
#include "fault_test.h"

#include <signal.h>
#include <sys/statvfs.h>

namespace {

// Capture on a 16 MiB file system that something else fills: retention makes room for each
// new frame; when even that is not enough the still is not saved, said once; when space
// returns, frames are saved again, said once. The daemon never stops, nothing is torn.
TEST(FullDisk, CaptureKeepsRunningAndRetentionMakesRoom)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	SmallDisk disk(tmp.path() / "disk", "16m");
	const fs::path store = disk.path() / "store";
	const fs::path config = tmp.path() / "capture.toml";
	std::ofstream(config) << "store = \"" << store.string() << "\"\nsource = \"testpattern\"\ninterval = \"1s\"\n"
			      << "[image]\nwidth = 1920\nheight = 1080\n[retention]\nmin_free = \"10%\"\n";
	Proc p = spawn(captureArgs(config.string(), "run"), tmp.path() / "run.log");
	std::this_thread::sleep_for(6s);
	const std::size_t before = framesIn(store).size();

	// Another program fills the disk: each new still makes its room from the oldest frames.
	fillUp(disk.path() / "ballast");
	std::this_thread::sleep_for(4s);
	const std::size_t whileFull = framesIn(store).size();
	// It keeps taking whatever is freed: in the end not even the newest frame's room is left.
	for (int i = 0; i < 40; ++i) {
		fillUp(disk.path() / "ballast");
		std::this_thread::sleep_for(100ms);
	}
	std::this_thread::sleep_for(3s);
	// Space returns.
	fs::remove(disk.path() / "ballast");
	const auto returned = framesIn(store);
	std::this_thread::sleep_for(4s);
	::kill(p.pid, SIGTERM);
	const Exit e = waitFor(p, 30s);
	const std::string log = slurp(p.out);

	// Every frame the log says was saved, from the oldest still there on, is there: older
	// ones were deleted by retention, oldest first; a hole would be a frame lost.
	std::vector<std::string> saved;
	for (std::size_t at = log.find("frame saved frame="); at != std::string::npos; at = log.find("frame saved frame=", at + 1))
		saved.push_back(log.substr(at + 18, log.find(' ', at + 18) - at - 18));
	const auto present = framesIn(store);
	std::size_t valid = 0, torn = 0, lost = 0, expected = 0;
	for (const auto &f : present)
		decodesWhole(store / f) ? ++valid : ++torn;
	bool reachedOldest = false;
	for (const auto &f : saved) {
		reachedOldest = reachedOldest || f == *present.begin();
		if (reachedOldest) {
			++expected;
			lost += present.count(f) == 0;
		}
	}
	const std::size_t notSaved = countLines(log, "frame not saved"), savedAgain = countLines(log, "frames are saved again");
	std::printf("full disk (capture): %zu frames before, %zu while another program filled the disk, %zu when it was "
		    "full; %zu at the end; 'not saved' logged %zu time(s), 'saved again' %zu\n",
		    before, whileFull, returned.size(), present.size(), notSaved, savedAgain);
	EXPECT_TRUE(e.exited && e.code == 0) << log.substr(0, 3000);
	EXPECT_GE(whileFull, 1u);
	EXPECT_GT(present.size(), returned.size()) << "no frames after the space returned\n" << log.substr(0, 3000);
	EXPECT_EQ(torn, 0u);
	EXPECT_EQ(lost, 0u);
	EXPECT_EQ(leftovers(store), 0u);
	EXPECT_TRUE(latestPointsToAFrame(store));
	EXPECT_EQ(notSaved, 1u) << "one line per state change\n" << log.substr(0, 3000);
	EXPECT_EQ(savedAgain, 1u) << log.substr(0, 3000);
	table().push_back({ "disk filled under capture", 1, expected, valid, lost, torn, 0, since(t0),
			    std::to_string(notSaved) + " 'not saved' + " + std::to_string(savedAgain) + " 'saved again' lines" });
}

// Pull's mirror on a 24 MiB file system, the camera holding 40 MB: the round stops at
// min_free with nothing torn, and the next one, once there is room, finishes.
TEST(FullDisk, PullStopsAtItsFloorAndGoesOnWhenSpaceReturns)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	const fs::path remote = tmp.path() / "camera" / "store";
	fillCameraStore(remote, 200, 200'000);
	SmallDisk disk(tmp.path() / "disk", "24m");
	const fs::path local = disk.path() / "mirror";
	SshdHarness sshd(tmp.path() / "sshd");
	sshd.start();
	const std::string config = pullConfig(tmp.path(), sshd, remote, local);
	std::ofstream(config, std::ios::app) << ""; // min_free goes before the first table:
	{
		std::string text = slurp(config);
		std::ofstream(config) << "min_free = \"4M\"\n" << text;
	}
	Proc p = spawn(pullArgs(config, "once"), tmp.path() / "pull.log");
	const Exit full = waitFor(p, 120s);
	const std::string log = slurp(p.out);
	const auto partway = framesIn(local);
	std::size_t partial = 0;
	for (const auto &f : partway)
		partial += readBytes(local / f) != readBytes(remote / f);
	EXPECT_EQ(full.code, 1) << log;
	EXPECT_NE(log.find("the mirror's disk is full"), std::string::npos) << log;
	EXPECT_LT(partway.size(), 200u);
	EXPECT_EQ(partial, 0u);
	struct statvfs st {};
	::statvfs(disk.path().c_str(), &st);
	const std::uint64_t freeLeft = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
	EXPECT_GE(freeLeft, 2u << 20) << "pull ran the disk down past its floor";

	disk.resize("64m");
	Proc again = spawn(pullArgs(config, "once"), tmp.path() / "pull2.log");
	EXPECT_EQ(waitFor(again, 120s).code, 0) << slurp(again.out);
	const auto present = framesIn(local);
	std::size_t valid = 0, torn = 0;
	for (const auto &f : present)
		readBytes(local / f) == readBytes(remote / f) ? ++valid : ++torn;
	std::printf("full disk (pull): %zu of 200 frames when the floor stopped the round, %.1f MiB left free; %zu after "
		    "space returned\n",
		    partway.size(), static_cast<double>(freeLeft) / (1 << 20), present.size());
	EXPECT_EQ(valid, 200u);
	EXPECT_EQ(torn, 0u);
	table().push_back({ "mirror disk full under pull", 1, 200, valid, 200 - std::min<std::size_t>(valid, 200),
			    torn + partial, 1, since(t0),
			    "stopped at " + std::to_string(partway.size()) + " frames with " +
				    std::to_string(freeLeft >> 20) + " MiB free; went on when space returned" });
}

} // namespace
