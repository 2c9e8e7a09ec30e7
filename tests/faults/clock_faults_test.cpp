// SPDX-License-Identifier: BSD-2-Clause
// Clock faults: capture under libfaketime with its wall clock stepped back an hour onto
// frames already there, forward a day, and started in 1970 with timedate1 (a stand-in on a
// private bus: the real one answers for this machine's clock) saying it is not synchronized.
// No frame is overwritten, the schedule goes on within an interval, unsynchronized frames
// carry their mark, and pull mirrors every frame, those behind its watermark included.
#include "fault_test.h"

#include <glob.h>
#include <signal.h>
#include <unistd.h>

#include <map>
#include <optional>

#include "common/store_layout.h"
#include "support/program.h"
#include "unit/systemd/fake_system_services.h"
#include "unit/systemd/private_bus.h"

namespace {

std::int64_t realNow()
{
	return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
		.count();
}

/// libfaketime for one program: its setting is read from a file at every call
/// (FAKETIME_NO_CACHE), so the test steps the clock while the program runs. Only the wall
/// clock is faked (FAKETIME_DONT_FAKE_MONOTONIC=1), as when NTP or `date -s` steps a real
/// one: the scheduler's sleeps run on the monotonic clock.
class FakeTime {
public:
	FakeTime(fs::path file, const std::string &spec) : file_(std::move(file)) { set(spec); }

	/// "+0", "-3600", "+1d", "@1970-01-01 00:00:00" (libfaketime's syntax).
	void set(const std::string &spec)
	{
		// Whole or not at all: the program reads the file at any moment.
		const fs::path tmp = file_.string() + ".tmp";
		std::ofstream(tmp) << spec << "\n";
		fs::rename(tmp, file_);
	}

	std::vector<std::string> env() const
	{
		return { "LD_PRELOAD=" + library(), "FAKETIME_TIMESTAMP_FILE=" + file_.string(), "FAKETIME_NO_CACHE=1",
			 "FAKETIME_DONT_FAKE_MONOTONIC=1" };
	}

	/// Debian's libfaketime (package faketime, installed by install-deps.sh).
	static std::string library()
	{
		glob_t g{};
		std::string found;
		if (::glob("/usr/lib/*/faketime/libfaketime.so.1", 0, nullptr, &g) == 0 && g.gl_pathc > 0)
			found = g.gl_pathv[0];
		::globfree(&g);
		if (found.empty())
			throw std::runtime_error("libfaketime.so.1 not found under /usr/lib/*/faketime/: install package faketime "
						 "(scripts/install-deps.sh does)");
		return found;
	}

private:
	fs::path file_;
};

/// The frames a capture log says were saved, in the order it saved them.
std::vector<common::FrameId> savedFrames(const std::string &log)
{
	std::vector<common::FrameId> out;
	const std::string key = "frame saved frame=";
	for (auto at = log.find(key); at != std::string::npos; at = log.find(key, at + 1)) {
		const auto start = at + key.size();
		if (auto id = common::parseFrameRelativePath(log.substr(start, log.find(' ', start) - start)))
			out.push_back(*id);
	}
	return out;
}

/// Waits until the capture daemon has saved \a count frames in all (a bounded wait).
std::vector<common::FrameId> awaitFrames(const Proc &capture, std::size_t count)
{
	const auto until = std::chrono::steady_clock::now() + 60s;
	std::vector<common::FrameId> saved;
	while ((saved = savedFrames(slurp(capture.out))).size() < count && std::chrono::steady_clock::now() < until)
		std::this_thread::sleep_for(50ms);
	EXPECT_GE(saved.size(), count) << "capture saved too few frames\n" << slurp(capture.out).substr(0, 3000);
	return saved;
}

/// A capture every second at 640x480, and a pull of its store over a real sshd.
struct Camera {
	explicit Camera(const fs::path &dir) : tmp(dir), sshd(dir / "sshd")
	{
		config = captureConfig(dir);
		std::string text = slurp(config);
		replaceIn(text, "width = 1920", "width = 640");
		replaceIn(text, "height = 1080", "height = 480");
		std::ofstream(config) << text;
		fs::create_directories(store);
		sshd.start();
		pconfig = pullConfig(dir, sshd, store, mirror);
	}

	/// One pull round; its exit status.
	int pull()
	{
		Proc p = spawn(pullArgs(pconfig, "once"), tmp / "pull.log");
		const int code = waitFor(p, 120s).code;
		pullLog = slurp(p.out);
		return code;
	}

	/// This viewer's confirmation file on the camera host.
	std::string confirmation() const
	{
		for (const auto &e : fs::directory_iterator(store))
			if (e.path().filename().string().starts_with(".pulled.") && !e.path().string().ends_with(".tmp"))
				return slurp(e.path());
		return {};
	}

	/// Frames of the camera's store against the mirror: byte-identical, missing, different.
	Row compare(std::string fault) const
	{
		Row r;
		r.fault = std::move(fault);
		for (const auto &f : framesIn(store)) {
			++r.expected;
			if (!fs::exists(mirror / f))
				++r.lost;
			else if (readBytes(mirror / f) == readBytes(store / f))
				++r.valid;
			else
				++r.torn;
		}
		r.torn += leftovers(mirror);
		return r;
	}

	fs::path tmp;
	fs::path store = tmp / "store";
	fs::path mirror = tmp / "mirror";
	SshdHarness sshd;
	std::string config, pconfig, pullLog;
};

/// Stops a daemon with SIGTERM; its exit.
Exit stop(const Proc &p)
{
	::kill(p.pid, SIGTERM);
	return waitFor(p, 30s);
}

/// Whether consecutive frames are one interval (1 s) apart by their names: the schedule
/// neither skipped a slot nor burst.
bool oneSlotApart(const std::vector<common::FrameId> &frames, std::size_t from)
{
	for (std::size_t i = from + 1; i < frames.size(); ++i)
		if (frames[i].seconds - frames[i - 1].seconds != 1)
			return false;
	return true;
}

/// The mark of \a dayPath in the store's ".out-of-order", if any.
std::optional<common::OutOfOrderDay> outOfOrderMark(const fs::path &store, const std::string &dayPath)
{
	std::error_code ec;
	for (const auto &e : fs::directory_iterator(store / common::kOutOfOrderFolder, ec))
		if (auto d = common::parseOutOfOrderFileName(e.path().filename().string()); d && d->dayPath == dayPath)
			return d;
	return std::nullopt;
}

bool outOfOrderMarked(const fs::path &store, const std::string &dayPath)
{
	return outOfOrderMark(store, dayPath).has_value();
}

} // namespace

// The clock steps back an hour onto seconds that already have frames (taken an hour ago):
// none is overwritten, and the frames behind pull's watermark are mirrored all the same.
TEST(Clock, SteppedBackAnHourOntoFramesAlreadyThereOverwritesNothing)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	Camera cam(tmp.path());
	// The frames of an hour ago, every second for 2 minutes around where the step lands.
	const std::int64_t hourAgo = realNow() - 3600;
	std::map<std::string, std::vector<std::uint8_t>> before;
	for (std::int64_t s = hourAgo - 10; s < hourAgo + 110; ++s) {
		const fs::path written = writeFrame(cam.store, common::FrameId{ s }, 20'000);
		before[written.lexically_relative(cam.store).string()] = readBytes(written);
	}
	FakeTime clock(tmp.path() / "faketime", "+0");
	Proc capture = spawn(captureArgs(cam.config, "run"), tmp.path() / "capture.log", clock.env());
	awaitFrames(capture, 3);
	ASSERT_EQ(cam.pull(), 0) << cam.pullLog;

	const std::int64_t stepAt = realNow() - 3600;
	clock.set("-3600");
	const std::size_t atStep = savedFrames(slurp(capture.out)).size();
	const auto saved = awaitFrames(capture, atStep + 8);
	const Exit e = stop(capture);
	ASSERT_EQ(cam.pull(), 0) << cam.pullLog;

	// After the step: named by the new clock, one slot apart from the first on, and the
	// first within an interval of the step (plus the second the step itself may take).
	std::size_t first = atStep;
	while (first < saved.size() && saved[first].seconds > stepAt + 60)
		++first; // frames whose names were read just before the step
	ASSERT_LT(first, saved.size());
	std::size_t collided = 0, overwritten = 0;
	for (std::size_t i = first; i < saved.size(); ++i)
		collided += saved[i].seq > 0;
	for (const auto &[path, bytes] : before)
		overwritten += readBytes(cam.store / path) != bytes;
	Row row = cam.compare("clock stepped back 1 h");
	row.injected = 1;
	row.seconds = since(t0);
	row.note = std::to_string(collided) + " frames named -1 beside a frame of that second; first " +
		   std::to_string(saved[first].seconds - stepAt) + " s after the step; mirrored behind the watermark";
	table().push_back(row);
	std::printf("clock back 1 h: %zu frames after the step, %zu beside an existing frame of their second, the first "
		    "%lld s after the step; %zu of %zu frames mirrored byte-identical\n",
		    saved.size() - first, collided, static_cast<long long>(saved[first].seconds - stepAt), row.valid,
		    row.expected);

	EXPECT_TRUE(e.exited && e.code == 0);
	EXPECT_EQ(overwritten, 0u) << "a frame of an hour ago was overwritten";
	EXPECT_GE(collided, 5u) << "the stepped clock must land on seconds that have frames";
	EXPECT_LE(saved[first].seconds - stepAt, 2) << "the schedule took more than an interval to go on";
	EXPECT_TRUE(oneSlotApart(saved, first)) << "a gap or a burst after the step";
	const auto mark = outOfOrderMark(cam.store, common::FrameId{ stepAt }.dayPath());
	ASSERT_TRUE(mark) << "the day the clock stepped back into is marked";
	EXPECT_NE(cam.confirmation().find("\n" + mark->confirmationLine() + "\n"), std::string::npos)
		<< "the viewer confirms the day whole by its current token\n"
		<< cam.confirmation();
	EXPECT_EQ(fs::read_symlink(cam.mirror / "latest.jpg"), fs::read_symlink(cam.store / "latest.jpg"))
		<< "the mirror's latest.jpg is the frame the camera took last";
	EXPECT_EQ(row.lost, 0u);
	EXPECT_EQ(row.torn, 0u);
	for (std::size_t i = 0; i < saved.size(); ++i)
		EXPECT_TRUE(decodesWhole(cam.store / saved[i].relativePath())) << saved[i].relativePath();
}

// The clock steps forward a day, then comes back: tomorrow's frames are mirrored, pull's
// watermark does not pass its own clock, and the frames after the clock came back are not
// skipped.
TEST(Clock, SteppedForwardADayAndBackLosesNothing)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	Camera cam(tmp.path());
	PrivateBus bus;
	FakeSystemServices timedated(bus.connect());
	timedated.serve(false, true, false);
	FakeTime clock(tmp.path() / "faketime", "+0");
	auto env = clock.env();
	env.push_back("DBUS_SYSTEM_BUS_ADDRESS=" + bus.address());
	Proc capture = spawn(captureArgs(cam.config, "run"), tmp.path() / "capture.log", env);
	awaitFrames(capture, 3);

	// A bad real-time clock: a day ahead, and timedate1 knows it is not synchronized.
	const std::int64_t stepAt = realNow() + 86400;
	timedated.ntpSynchronized = false;
	clock.set("+1d");
	std::size_t atStep = savedFrames(slurp(capture.out)).size();
	auto saved = awaitFrames(capture, atStep + 6);
	ASSERT_EQ(cam.pull(), 0) << cam.pullLog;
	const std::string confirmed = cam.confirmation();
	const auto watermark = common::parseFrameStem(confirmed.substr(0, confirmed.find('\n')));

	// NTP puts it right.
	const std::int64_t backAt = realNow();
	const std::size_t atSync = savedFrames(slurp(capture.out)).size();
	timedated.ntpSynchronized = true;
	clock.set("+0");
	const std::size_t atBack = savedFrames(slurp(capture.out)).size();
	saved = awaitFrames(capture, atBack + 6);
	const Exit e = stop(capture);
	ASSERT_EQ(cam.pull(), 0) << cam.pullLog;

	std::size_t first = atStep;
	while (first < saved.size() && saved[first].seconds < stepAt - 60)
		++first;
	std::size_t firstBack = atBack;
	while (firstBack < saved.size() && saved[firstBack].seconds > backAt + 3600)
		++firstBack;
	ASSERT_LT(firstBack, saved.size());
	Row row = cam.compare("clock stepped forward 1 d, then back");
	row.injected = 2;
	row.seconds = since(t0);
	row.note = "watermark held at " + (watermark ? watermark->stem() : std::string("none")) +
		   " while tomorrow's frames were mirrored; first frame " + std::to_string(saved[first].seconds - stepAt) +
		   " s, " + std::to_string(saved[firstBack].seconds - backAt) + " s after each step";
	table().push_back(row);
	std::printf("clock forward 1 d and back: %zu frames named tomorrow, watermark %s; %zu of %zu frames mirrored "
		    "byte-identical\n",
		    atBack - first, watermark ? watermark->stem().c_str() : "none", row.valid, row.expected);

	EXPECT_TRUE(e.exited && e.code == 0);
	ASSERT_TRUE(watermark) << confirmed;
	EXPECT_LE(watermark->seconds, realNow() + 300) << "the watermark passed the viewer's own clock";
	EXPECT_LE(saved[first].seconds - stepAt, 2);
	EXPECT_LE(saved[firstBack].seconds - backAt, 2);
	EXPECT_TRUE(oneSlotApart(std::vector(saved.begin() + static_cast<long>(first), saved.begin() + static_cast<long>(atBack)), 0));
	EXPECT_TRUE(oneSlotApart(saved, firstBack));
	for (std::size_t i = first; i < atSync; ++i)
		EXPECT_TRUE(saved[i].unsynced) << saved[i].relativePath();
	// Back on a synchronized clock, the frames are named plainly and in order: tomorrow's
	// frames, ahead of it, do not put today out of order.
	for (std::size_t i = firstBack; i < saved.size(); ++i)
		EXPECT_FALSE(saved[i].unsynced) << saved[i].relativePath();
	EXPECT_FALSE(outOfOrderMarked(cam.store, saved.back().dayPath()));
	EXPECT_EQ(fs::read_symlink(cam.mirror / "latest.jpg"), fs::read_symlink(cam.store / "latest.jpg"));
	EXPECT_EQ(row.lost, 0u);
	EXPECT_EQ(row.torn, 0u);
	EXPECT_EQ(row.valid, row.expected);
}

// A Pi without a real-time clock boots in 1970, timedate1 saying the clock is not
// synchronized, beside frames of today that pull has confirmed; then NTP syncs.
TEST(Clock, StartedIn1970UnsynchronizedMarksItsFramesAndPullKeepsThem)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	Camera cam(tmp.path());
	for (int i = 0; i < 6; ++i)
		writeFrame(cam.store, common::FrameId{ realNow() - 120 + i * 10 }, 20'000);
	pointLatest(cam.store, common::FrameId{ realNow() - 120 + 50 }.relativePath());
	ASSERT_EQ(cam.pull(), 0) << cam.pullLog;

	PrivateBus bus;
	FakeSystemServices timedated(bus.connect());
	timedated.ntpSynchronized = false;
	timedated.serve(false, true, false);
	FakeTime clock(tmp.path() / "faketime", "@1970-01-01 00:00:00");
	auto env = clock.env();
	env.push_back("DBUS_SYSTEM_BUS_ADDRESS=" + bus.address());
	env.push_back("DBUS_SESSION_BUS_ADDRESS=" + bus.address());
	Proc capture = spawn(captureArgs(cam.config, "run"), tmp.path() / "capture.log", env);
	const std::size_t unsyncedFrames = awaitFrames(capture, 4).size();
	auto statusArgs = programArgv("capture/lingercam-capture");
	statusArgs.push_back("status");
	Proc status = spawn(statusArgs, tmp.path() / "status.log",
			    { "DBUS_SESSION_BUS_ADDRESS=" + bus.address() });
	EXPECT_EQ(waitFor(status, 20s).code, 0);
	const std::string statusText = slurp(status.out);

	// NTP synchronizes the clock.
	timedated.ntpSynchronized = true;
	clock.set("+0");
	const auto saved = awaitFrames(capture, savedFrames(slurp(capture.out)).size() + 4);
	const Exit e = stop(capture);
	const std::string log = slurp(capture.out);
	ASSERT_EQ(cam.pull(), 0) << cam.pullLog;

	std::size_t marked = 0, in1970 = 0;
	for (const auto &f : saved) {
		in1970 += f.seconds < 86400;
		marked += f.unsynced;
	}
	Row row = cam.compare("start in 1970, timedate1 unsynced");
	// Capture starts again (every mark gets a new token: what a crash may have left cannot be
	// confirmed by an old one); the viewer confirms the day by the new token, and the next
	// still's retention retires the mark.
	Proc again = spawn(captureArgs(cam.config, "run"), tmp.path() / "again.log",
			   { "DBUS_SYSTEM_BUS_ADDRESS=" + bus.address() });
	awaitFrames(again, 1);
	const auto renewed = outOfOrderMark(cam.store, "1970/01/01");
	EXPECT_EQ(cam.pull(), 0) << cam.pullLog;
	const std::string confirmedAgain = cam.confirmation();
	awaitFrames(again, 3);
	EXPECT_TRUE(stop(again).exited);
	ASSERT_TRUE(renewed);
	EXPECT_NE(confirmedAgain.find("\n" + renewed->confirmationLine() + "\n"), std::string::npos) << confirmedAgain;

	row.injected = 1;
	row.seconds = since(t0);
	row.note = std::to_string(marked) + " frames named -unsynced, all in 1970/01/01; mirrored behind the watermark";
	table().push_back(row);
	std::printf("clock in 1970: %zu frames in 1970, %zu marked -unsynced; %zu of %zu frames mirrored byte-identical; "
		    "status said: %s\n",
		    in1970, marked, row.valid, row.expected,
		    statusText.substr(statusText.find("store:"), statusText.find('\n', statusText.find("store:")) -
									statusText.find("store:"))
			    .c_str());

	EXPECT_TRUE(e.exited && e.code == 0);
	EXPECT_GE(unsyncedFrames, 4u);
	EXPECT_EQ(marked, in1970) << "every 1970 frame, and only those, carries the mark";
	EXPECT_GE(in1970, 4u);
	for (const auto &f : saved) {
		if (f.seconds < 86400) {
			EXPECT_TRUE(f.relativePath().starts_with("1970/01/01/") && f.relativePath().ends_with("-unsynced.jpg"))
				<< f.relativePath();
		}
	}
	EXPECT_NE(statusText.find("of them named by an unsynchronized clock (-unsynced)"), std::string::npos) << statusText;
	EXPECT_EQ(countLines(log, "clock not synchronized"), 1u) << log.substr(0, 3000);
	EXPECT_EQ(countLines(log, "clock synchronized: frames are named by it"), 1u) << log.substr(0, 3000);
	EXPECT_NE(log.find("NTPSynchronized=no"), std::string::npos) << "timedate1's word, through the bus";
	EXPECT_NE(cam.confirmation().find("\nout-of-order 1970-01-01."), std::string::npos) << cam.confirmation();
	EXPECT_FALSE(outOfOrderMarked(cam.store, "1970/01/01")) << "retired once the viewer confirmed the day whole";
	EXPECT_EQ(row.lost, 0u);
	EXPECT_EQ(row.torn, 0u);
	EXPECT_EQ(row.valid, row.expected);
}
