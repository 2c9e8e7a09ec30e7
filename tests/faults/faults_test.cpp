// SPDX-License-Identifier: MIT
// The fault-injection suite: both daemons, the real programs, faults injected from outside
// (kill -9 at random moments, SIGTERM mid-work, broken config files), and afterwards what a
// user would check: every frame there decodes whole, none was lost, nothing partial was ever
// visible. Ends with one table row per fault (CTest label faults; one CTest test, so that the
// table covers them all).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/frame_name.h"
#include "pull_test_util.h"
#include "sshd_harness.h"
#include "support/program.h"

using namespace lingercam;
using namespace lingercam::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// ------------------------------------------------------------------ the table
struct Row {
	std::string fault;
	unsigned injected = 0;
	std::size_t expected = 0; ///< frames that must be there
	std::size_t valid = 0;    ///< frames there that decode whole / match the camera's bytes
	std::size_t lost = 0;     ///< expected frames that are not there
	std::size_t torn = 0;     ///< torn or partial files a reader could see
	unsigned restarts = 0;    ///< daemon starts after the first (the fault's recoveries)
	double seconds = 0;
	std::string note;
};

std::vector<Row> &table()
{
	static std::vector<Row> rows;
	return rows;
}

class PrintTable : public ::testing::Environment {
public:
	void TearDown() override
	{
		std::printf("\nfaults: what was injected and what survived\n");
		std::printf("%-34s %8s %8s %8s %6s %6s %8s %8s  %s\n", "fault", "injected", "expected", "valid", "lost",
			    "torn", "restarts", "time", "note");
		for (const Row &r : table())
			std::printf("%-34s %8u %8zu %8zu %6zu %6zu %8u %7.1fs  %s\n", r.fault.c_str(), r.injected, r.expected,
				    r.valid, r.lost, r.torn, r.restarts, r.seconds, r.note.c_str());
		std::fflush(stdout);
	}
};
const auto *const kTable = ::testing::AddGlobalTestEnvironment(new PrintTable);

double since(std::chrono::steady_clock::time_point t)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// ------------------------------------------------------------------ processes
struct Proc {
	pid_t pid = -1;
	fs::path out;
};

Proc spawn(const std::vector<std::string> &args, const fs::path &out, const std::vector<std::string> &env = {})
{
	Proc p;
	p.out = out;
	std::vector<std::string> argv = args;
	p.pid = ::fork();
	if (p.pid == 0) {
		int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		::dup2(fd, 1);
		::dup2(fd, 2);
		for (const auto &e : env)
			::putenv(const_cast<char *>(e.c_str()));
		::unsetenv("DBUS_SESSION_BUS_ADDRESS");
		::unsetenv("NOTIFY_SOCKET");
		std::vector<char *> a;
		for (auto &s : argv)
			a.push_back(s.data());
		a.push_back(nullptr);
		::execv(a[0], a.data());
		::_exit(127);
	}
	return p;
}

struct Exit {
	bool exited = false; ///< on its own (else killed by a signal)
	int code = -1;       ///< exit code, or the signal
	bool overran = false; ///< still running at the bound, so killed
};

Exit waitFor(const Proc &p, std::chrono::milliseconds bound = 60s)
{
	const auto until = std::chrono::steady_clock::now() + bound;
	Exit e;
	int status = 0;
	for (;;) {
		pid_t r = ::waitpid(p.pid, &status, WNOHANG);
		if (r == p.pid)
			break;
		if (std::chrono::steady_clock::now() > until && !e.overran) {
			e.overran = true;
			::kill(p.pid, SIGKILL);
		}
		std::this_thread::sleep_for(2ms);
	}
	e.exited = WIFEXITED(status);
	e.code = e.exited ? WEXITSTATUS(status) : WTERMSIG(status);
	return e;
}

std::string slurp(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	return { std::istreambuf_iterator<char>(in), {} };
}

// ------------------------------------------------------------------ stores
/// A frame decodes whole: libjpeg-turbo reads every scan line with no warning (a torn
/// file ends early: "Premature end of JPEG file").
bool decodesWhole(const fs::path &p)
{
	const std::string bytes = slurp(p);
	tjhandle tj = tjInitDecompress();
	int w = 0, h = 0, sub = 0, space = 0;
	bool ok = tjDecompressHeader3(tj, reinterpret_cast<const unsigned char *>(bytes.data()),
				      static_cast<unsigned long>(bytes.size()), &w, &h, &sub, &space) == 0;
	if (ok) {
		std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 3);
		ok = tjDecompress2(tj, reinterpret_cast<const unsigned char *>(bytes.data()),
				   static_cast<unsigned long>(bytes.size()), pixels.data(), w, 0, h, TJPF_RGB,
				   TJFLAG_STOPONWARNING) == 0;
	}
	tjDestroy(tj);
	return ok;
}

/// The store-relative paths of the frames a reader sees (the layout's names; no dot files).
std::set<std::string> framesIn(const fs::path &store)
{
	std::set<std::string> out;
	std::error_code ec;
	if (!fs::exists(store, ec))
		return out;
	for (auto it = fs::recursive_directory_iterator(store, ec); it != fs::recursive_directory_iterator(); ++it) {
		const std::string rel = it->path().lexically_relative(store).string();
		if (it->is_regular_file() && !it->is_symlink() && common::parseFrameRelativePath(rel))
			out.insert(rel);
	}
	return out;
}

/// Unfinished files: ".<name>.tmp" (capture) and ".<name>.part" (pull).
std::size_t leftovers(const fs::path &store)
{
	std::size_t n = 0;
	std::error_code ec;
	if (!fs::exists(store, ec))
		return 0;
	for (const auto &e : fs::recursive_directory_iterator(store, ec)) {
		const std::string name = e.path().filename().string();
		if (name.starts_with(".") && (name.ends_with(".tmp") || name.ends_with(".part")))
			++n;
	}
	return n;
}

/// latest.jpg resolves to a frame of the store (or is not there yet).
bool latestPointsToAFrame(const fs::path &store)
{
	std::error_code ec;
	const fs::path link = store / "latest.jpg";
	if (!fs::is_symlink(link, ec))
		return !fs::exists(link, ec);
	const fs::path target = fs::read_symlink(link, ec);
	return !ec && common::parseFrameRelativePath(target.string()) && fs::is_regular_file(store / target, ec);
}

std::string captureConfig(const fs::path &dir, const std::string &extra = "")
{
	const fs::path config = dir / "capture.toml";
	// A Pi camera's full HD: the write of a frame is a good part of a still's time.
	std::ofstream(config) << "store = \"" << (dir / "store").string() << "\"\nsource = \"testpattern\"\n"
			      << "interval = \"1s\"\n[image]\nwidth = 1920\nheight = 1080\n"
			      << extra;
	return config.string();
}

std::vector<std::string> captureArgs(const std::string &config, const std::string &command)
{
	auto argv = programArgv("capture/lingercam-capture");
	argv.insert(argv.end(), { "--config", config, command });
	return argv;
}

std::vector<std::string> pullArgs(const std::string &config, const std::string &command)
{
	auto argv = programArgv("pull/lingercam-pull");
	argv.insert(argv.end(), { "--config", config, command });
	return argv;
}

/// A pull.toml with one [[source]] per mirror in \a locals, all of them the same camera.
std::string pullConfig(const fs::path &dir, const SshdHarness &sshd, const fs::path &remote,
		       const std::vector<fs::path> &locals, const std::string &file = "pull.toml")
{
	const fs::path config = dir / file;
	std::ofstream out(config);
	out << "active_hours = \"always\"\ninterval = \"5s\"\nio_timeout = \"10s\"\nretries = 0\n";
	for (std::size_t i = 0; i < locals.size(); ++i)
		out << "[[source]]\nname = \"camera" << (i ? std::to_string(i + 1) : "") << "\"\nhost = \"127.0.0.1\"\n"
		    << "port = " << sshd.port() << "\nuser = \"" << sshd.user() << "\"\n"
		    << "identity = \"" << sshd.clientKey().string() << "\"\n"
		    << "known_hosts = \"" << sshd.knownHosts().string() << "\"\n"
		    << "ssh_config = \"none\"\n"
		    << "remote_store = \"" << remote.string() << "\"\n"
		    << "local_store = \"" << locals[i].string() << "\"\n";
	return config.string();
}

std::string pullConfig(const fs::path &dir, const SshdHarness &sshd, const fs::path &remote, const fs::path &local)
{
	return pullConfig(dir, sshd, remote, std::vector<fs::path>{ local });
}

/// A camera store of \a count frames of \a size bytes, one a minute, and its latest.jpg.
void fillCameraStore(const fs::path &remote, int count, std::size_t size)
{
	fs::create_directories(remote);
	for (int i = 0; i < count; ++i)
		writeFrame(remote, frameAt(i, 24), size);
	pointLatest(remote, frameAt(count - 1, 24).relativePath());
}

std::mt19937 &rng()
{
	static std::mt19937 r([] {
		const unsigned seed = std::random_device{}();
		std::printf("faults: random seed %u\n", seed);
		return seed;
	}());
	return r;
}

std::chrono::microseconds uniform(std::chrono::microseconds lo, std::chrono::microseconds hi)
{
	return std::chrono::microseconds(std::uniform_int_distribution<long long>(lo.count(), hi.count())(rng()));
}

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
	EXPECT_GE(midWrite, 25u) << "too few kills landed while a frame was being written";

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

// ------------------------------------------------------------------ full disk
/// A tmpfs of \a size mounted at \a dir for the test's lifetime (root only: the suite runs
/// as root, as the e2e tests do).
class SmallDisk {
public:
	SmallDisk(fs::path dir, const std::string &size) : dir_(std::move(dir))
	{
		fs::create_directories(dir_);
		if (::mount("lingercam-faults", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0)
			throw std::runtime_error("mount tmpfs on " + dir_.string() + ": " + std::strerror(errno) +
						 " (the faults suite runs as root)");
	}
	~SmallDisk() { ::umount2(dir_.c_str(), MNT_DETACH); }
	void resize(const std::string &size)
	{
		if (::mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT, ("size=" + size).c_str()) != 0)
			throw std::runtime_error("remount " + dir_.string() + ": " + std::strerror(errno));
	}
	const fs::path &path() const { return dir_; }

private:
	fs::path dir_;
};

/// Fills the file system of \a file until a write fails (ENOSPC); returns the bytes added.
std::uint64_t fillUp(const fs::path &file)
{
	const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	std::vector<char> chunk(64 * 1024, 'x');
	std::uint64_t added = 0;
	for (;;) {
		const ssize_t n = ::write(fd, chunk.data(), chunk.size());
		if (n <= 0)
			break;
		added += static_cast<std::uint64_t>(n);
	}
	::close(fd);
	return added;
}

std::size_t countLines(const std::string &log, const std::string &phrase)
{
	std::size_t n = 0;
	for (std::size_t at = log.find(phrase); at != std::string::npos; at = log.find(phrase, at + 1))
		++n;
	return n;
}

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

// ------------------------------------------------------------------ bad config
struct BadConfig {
	std::string program; ///< capture or pull
	fs::path file;
	std::string expect; ///< a phrase of the message
	bool asNobody = false;
};

std::vector<BadConfig> badConfigs(const fs::path &tmp)
{
	std::vector<BadConfig> out;
	const fs::path corpus = fs::path(LINGERCAM_SOURCE_DIR) / "tests/faults/bad-config";
	for (const char *program : { "capture", "pull" }) {
		std::vector<fs::path> files;
		for (const auto &e : fs::directory_iterator(corpus / program))
			files.push_back(e.path());
		std::sort(files.begin(), files.end());
		for (const auto &f : files) {
			std::string first;
			std::getline(std::ifstream(f) >> std::ws, first);
			out.push_back({ program, f, first.substr(first.find(':') + 2) });
		}
		// What a file cannot hold in itself.
		const fs::path dir = tmp / program;
		fs::create_directories(dir);
		std::ofstream(dir / "empty.toml");
		out.push_back({ program, dir / "empty.toml", "the config file is empty" });
		fs::create_directories(dir / "folder.toml");
		out.push_back({ program, dir / "folder.toml", "is a folder, not a config file" });
		{
			std::ofstream huge(dir / "huge.toml");
			const std::string line(1023, '#');
			for (int i = 0; i < 64 * 1024; ++i)
				huge << line << '\n';
		}
		out.push_back({ program, dir / "huge.toml", "more than a config can be" });
		std::ofstream(dir / "unreadable.toml") << "interval = \"1m\"\n";
		fs::permissions(dir / "unreadable.toml", fs::perms::none);
		out.push_back({ program, dir / "unreadable.toml", "cannot read config file: Permission denied", ::getuid() == 0 });
		out.push_back({ program, dir / "missing.toml", "cannot read config file: No such file or directory" });
	}
	return out;
}

TEST(BadConfig, EachFileGivesExit78AndAMessageThatNamesTheProblem)
{
	const auto t0 = std::chrono::steady_clock::now();
	TempDir tmp;
	fs::permissions(tmp.path(), fs::perms::all); // "nobody" must reach the unreadable file
	unsigned tried = 0, good = 0;
	for (const BadConfig &c : badConfigs(tmp.path())) {
		// check-config and the daemon itself: the unit's RestartPreventExitStatus=78 keeps a
		// bad config from becoming a restart loop.
		for (const char *command : { "check-config", "run" }) {
			std::vector<std::string> argv;
			if (c.asNobody) // root reads any file: the test drops to nobody for this one
				argv = { "/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups" };
			auto program = c.program == "capture" ? captureArgs(c.file.string(), command)
							      : pullArgs(c.file.string(), command);
			argv.insert(argv.end(), program.begin(), program.end());
			Proc p = spawn(argv, tmp.path() / "out.log", { "HOME=" + tmp.path().string() });
			Exit e = waitFor(p, 20s);
			const std::string out = slurp(p.out);
			++tried;
			const bool ok = e.exited && e.code == 78 && out.find(c.expect) != std::string::npos &&
					out.find(c.file.filename().string()) != std::string::npos;
			good += ok;
			EXPECT_TRUE(ok) << c.program << " " << command << " " << c.file << ": exit "
					<< (e.exited ? "" : "by signal ") << e.code << ", wanted 78 and \"" << c.expect
					<< "\"\n" << out.substr(0, 2000);
		}
	}
	table().push_back({ "bad config files (both programs)", tried, 0, 0, 0, 0, 0, since(t0),
			    std::to_string(good) + " of " + std::to_string(tried) + " runs: exit 78, the file and the problem named" });
}

} // namespace
