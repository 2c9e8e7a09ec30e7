// SPDX-License-Identifier: BSD-2-Clause
// Several viewers pulling one camera at the same time: no round fails, every mirror ends identical.
#include "fault_test.h"

namespace {

// ------------------------------------------------------------------ two viewers
// Three viewers of one camera at the same time: two sources in one config, and a second
// pull process. Each has its own confirmation file (".pulled.<viewer>") and temporary
// name, so no round fails, and every mirror ends identical to the camera's store.
TEST(TwoViewers, PullOneCameraAtOnceAndAllEndIdentical)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	const fs::path remote = tmp.path() / "camera" / "store";
	int frames = 400;
	fillCameraStore(remote, frames, 100'000);
	SshdHarness sshd(tmp.path() / "sshd");
	sshd.start();
	const std::vector<fs::path> mirrors{ tmp.path() / "a", tmp.path() / "b", tmp.path() / "c" };
	const std::string two = pullConfig(tmp.path(), sshd, remote, { mirrors[0], mirrors[1] }, "two.toml");
	const std::string one = pullConfig(tmp.path(), sshd, remote, { mirrors[2] }, "one.toml");
	unsigned rounds = 0, failed = 0;
	for (int round = 0; round < 3; ++round) {
		Proc p1 = spawn(pullArgs(two, "once"), tmp.path() / "two.log");
		Proc p2 = spawn(pullArgs(one, "once"), tmp.path() / "one.log");
		const Exit e1 = waitFor(p1, 120s), e2 = waitFor(p2, 120s);
		rounds += 3;
		failed += (e1.code != 0) * 2 + (e2.code != 0);
		EXPECT_EQ(e1.code, 0) << slurp(p1.out);
		EXPECT_EQ(e2.code, 0) << slurp(p2.out);
		// The camera goes on capturing between rounds.
		for (int i = 0; i < 20; ++i)
			writeFrame(remote, frameAt(frames + i, 24), 100'000);
		frames += 20;
		pointLatest(remote, frameAt(frames - 1, 24).relativePath());
	}
	// A last round for the frames taken after the third.
	Proc p1 = spawn(pullArgs(two, "once"), tmp.path() / "two.log");
	Proc p2 = spawn(pullArgs(one, "once"), tmp.path() / "one.log");
	EXPECT_EQ(waitFor(p1, 120s).code, 0) << slurp(p1.out);
	EXPECT_EQ(waitFor(p2, 120s).code, 0) << slurp(p2.out);

	const auto want = framesIn(remote);
	std::size_t valid = 0, torn = 0, lost = 0;
	for (const auto &m : mirrors) {
		const auto have = framesIn(m);
		for (const auto &f : want) {
			if (!have.count(f))
				++lost;
			else if (readBytes(m / f) == readBytes(remote / f))
				++valid;
			else
				++torn;
		}
	}
	std::set<std::string> confirmations;
	for (const auto &e : fs::directory_iterator(remote)) {
		const std::string name = e.path().filename().string();
		if (name.starts_with(".pulled")) {
			confirmations.insert(name);
			EXPECT_FALSE(name.ends_with(".tmp")) << "a temporary file is left: " << name;
			EXPECT_EQ(slurp(e.path()), frameAt(frames - 1, 24).stem() + "\n") << name;
		}
	}
	EXPECT_EQ(confirmations.size(), 3u) << "one confirmation file per viewer";
	EXPECT_EQ(failed, 0u);
	EXPECT_EQ(lost, 0u);
	EXPECT_EQ(torn, 0u);
	table().push_back({ "3 viewers pulling one camera", rounds + 3, want.size() * 3, valid, lost, torn, 0, since(t0),
			    std::to_string(failed) + " rounds failed; " + std::to_string(confirmations.size()) +
				    " confirmation files" });
}

} // namespace
