// SPDX-License-Identifier: BSD-2-Clause
// The soak: capture every second and pull every ten for minutes; memory and descriptors stay flat.
#include "fault_test.h"

#include <signal.h>

#include <algorithm>
#include <climits>
#include <cmath>

namespace {

// ------------------------------------------------------------------ soak
struct Sample {
	double t;
	long rssKiB;
	long fds;
};

Sample sample(pid_t pid, double t)
{
	Sample s{ t, 0, 0 };
	std::ifstream status("/proc/" + std::to_string(pid) + "/status");
	for (std::string line; std::getline(status, line);)
		if (line.starts_with("VmRSS:"))
			s.rssKiB = std::stol(line.substr(6));
	std::error_code ec;
	for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec); !ec && it != fs::directory_iterator();
	     ++it)
		++s.fds;
	return s;
}

/// Least-squares slope of \a value over time, per minute.
template <typename F>
double slopePerMinute(const std::vector<Sample> &samples, F value)
{
	double n = 0, st = 0, sv = 0, stt = 0, stv = 0;
	for (const Sample &s : samples) {
		const double v = static_cast<double>(value(s));
		n += 1;
		st += s.t;
		sv += v;
		stt += s.t * s.t;
		stv += s.t * v;
	}
	const double d = n * stt - st * st;
	return d == 0 ? 0 : (n * stv - st * sv) / d * 60;
}

// Capture every second and pull every 10 s, both as daemons, for 3 minutes (CI; set
// LINGERCAM_SOAK_SECONDS=1800 for the half hour by hand): after a warm-up minute their RSS
// and open file descriptors do not grow, no error line appears, and the mirror ends with
// every frame.
TEST(Soak, CaptureEverySecondAndPullEveryTenStayFlat)
{
	const auto t0 = std::chrono::steady_clock::now();
	const char *env = std::getenv("LINGERCAM_SOAK_SECONDS");
	const int seconds = env ? std::max(120, std::atoi(env)) : 180;
	TempDir tmp;
	const std::string cconfig = captureConfig(tmp.path());
	{
		std::string text = slurp(cconfig);
		replaceIn(text, "width = 1920", "width = 640");
		replaceIn(text, "height = 1080", "height = 480");
		std::ofstream(cconfig) << text;
	}
	const fs::path store = tmp.path() / "store";
	const fs::path local = tmp.path() / "mirror";
	fs::create_directories(store);
	SshdHarness sshd(tmp.path() / "sshd");
	sshd.start();
	std::string pconfig = pullConfig(tmp.path(), sshd, store, local);
	{
		std::string text = slurp(pconfig);
		replaceIn(text, "interval = \"5s\"", "interval = \"10s\"");
		std::ofstream(pconfig) << text;
	}
	Proc capture = spawn(captureArgs(cconfig, "run"), tmp.path() / "capture.log");
	Proc pull = spawn(pullArgs(pconfig, "run"), tmp.path() / "pull.log");
	std::vector<Sample> cs, ps;
	const auto start = std::chrono::steady_clock::now();
	while (since(start) < seconds) {
		std::this_thread::sleep_for(2s);
		cs.push_back(sample(capture.pid, since(start)));
		ps.push_back(sample(pull.pid, since(start)));
	}
	::kill(capture.pid, SIGTERM);
	::kill(pull.pid, SIGTERM);
	const Exit ce = waitFor(capture, 30s), pe = waitFor(pull, 30s);
	const std::string clog = slurp(capture.out), plog = slurp(pull.out);
	// A last round for the frames of the final seconds.
	Proc last = spawn(pullArgs(pconfig, "once"), tmp.path() / "last.log");
	EXPECT_EQ(waitFor(last, 60s).code, 0) << slurp(last.out);

	// After the first minute (indexes built, buffers grown): the steady state, in windows of
	// a minute. What a leak shows is the resting level rising: each window's lowest RSS and
	// descriptor count (a sample taken mid-write holds the frame's file open).
	struct Window {
		long rss[2] = { LONG_MAX, LONG_MAX };
		long fds[2] = { LONG_MAX, LONG_MAX };
	};
	std::vector<Window> windows;
	// Whole minutes only: the few samples past the last full minute may all fall in a round.
	const double end = std::floor(cs.back().t / 60) * 60;
	for (std::size_t i = 0; i < cs.size(); ++i) {
		if (cs[i].t < 60 || cs[i].t >= end)
			continue;
		const auto w = static_cast<std::size_t>(cs[i].t / 60) - 1;
		if (windows.size() <= w)
			windows.resize(w + 1);
		const Sample *both[2] = { &cs[i], &ps[i] };
		for (int d = 0; d < 2; ++d) {
			windows[w].rss[d] = std::min(windows[w].rss[d], both[d]->rssKiB);
			windows[w].fds[d] = std::min(windows[w].fds[d], both[d]->fds);
		}
	}
	ASSERT_GE(windows.size(), 2u);
	for (std::size_t w = 0; w < windows.size(); ++w)
		std::printf("soak minute %zu: capture RSS %ld KiB, %ld fds; pull RSS %ld KiB, %ld fds (resting: each "
			    "minute's lowest)\n",
			    w + 2, windows[w].rss[0], windows[w].fds[0], windows[w].rss[1], windows[w].fds[1]);
	auto steady = [](const std::vector<Sample> &v) {
		std::vector<Sample> out;
		for (const Sample &s : v)
			if (s.t >= 60)
				out.push_back(s);
		return out;
	};
	auto rss = [](const Sample &s) { return s.rssKiB; };
	auto fds = [](const Sample &s) { return s.fds; };
	const double cSlope = slopePerMinute(steady(cs), rss), pSlope = slopePerMinute(steady(ps), rss);
	const double cFdSlope = slopePerMinute(steady(cs), fds), pFdSlope = slopePerMinute(steady(ps), fds);
	const Window &first = windows.front(), &lastW = windows.back();
	std::printf("soak %d s: capture RSS %ld -> %ld KiB (slope %+.1f KiB/min), fds %ld -> %ld (slope %+.2f/min); "
		    "pull RSS %ld -> %ld KiB (slope %+.1f KiB/min), fds %ld -> %ld (slope %+.2f/min)\n",
		    seconds, first.rss[0], lastW.rss[0], cSlope, first.fds[0], lastW.fds[0], cFdSlope, first.rss[1],
		    lastW.rss[1], pSlope, first.fds[1], lastW.fds[1], pFdSlope);

	const auto frames = framesIn(store), mirrored = framesIn(local);
	std::size_t valid = 0, torn = 0, lost = 0;
	for (const auto &f : frames) {
		if (!mirrored.count(f))
			++lost;
		else if (readBytes(local / f) == readBytes(store / f) && decodesWhole(local / f))
			++valid;
		else
			++torn;
	}
	EXPECT_TRUE(ce.exited && ce.code == 0);
	EXPECT_TRUE(pe.exited && pe.code == 0);
	EXPECT_EQ(countLines(clog, " error "), 0u) << clog.substr(0, 3000);
	EXPECT_EQ(countLines(plog, " error "), 0u) << plog.substr(0, 3000);
	EXPECT_GE(frames.size(), static_cast<std::size_t>(seconds) * 9 / 10) << "capture missed slots";
	EXPECT_EQ(lost, 0u);
	EXPECT_EQ(torn, 0u);
	// Flat: the resting level of the last minute is that of the first steady one, give or
	// take allocator noise; a descriptor leak is one more at rest.
	EXPECT_LE(lastW.fds[0], first.fds[0]) << "capture's descriptors grew";
	EXPECT_LE(lastW.fds[1], first.fds[1]) << "pull's descriptors grew";
	EXPECT_LE(lastW.rss[0] - first.rss[0], 1024) << "capture's RSS grew";
	EXPECT_LE(lastW.rss[1] - first.rss[1], 2048) << "pull's RSS grew";
	char note[200];
	std::snprintf(note, sizeof note, "resting RSS capture %+ld, pull %+ld KiB (slopes %+.0f, %+.0f KiB/min); fds %+ld, %+ld",
		      lastW.rss[0] - first.rss[0], lastW.rss[1] - first.rss[1], cSlope, pSlope, lastW.fds[0] - first.fds[0],
		      lastW.fds[1] - first.fds[1]);
	table().push_back({ "soak: capture 1 s, pull 10 s (" + std::to_string(seconds) + " s)", 0, frames.size(), valid,
			    lost, torn, 0, since(t0), note });
}

} // namespace
