// SPDX-License-Identifier: BSD-2-Clause
// The fault suite's shared helpers: the table every fault adds a row to, starting and
// waiting for the real programs, and what a user checks in a store afterwards (frames that
// decode whole, nothing partial, latest.jpg pointing to a frame).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace lingercam::test {

class SshdHarness;

namespace faults {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ the table
/// One row of the table printed at the end of the suite.
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

/// The rows so far; printed once every test has run.
std::vector<Row> &table();

double since(std::chrono::steady_clock::time_point t);

// ------------------------------------------------------------------ processes
struct Proc {
	pid_t pid = -1;
	fs::path out; ///< its stdout and stderr
};

/// Starts \a args (argv[0] a path) with output to \a out, outside the machine's D-Bus buses
/// and any systemd notify socket, then with \a env added ("NAME=value").
Proc spawn(const std::vector<std::string> &args, const fs::path &out, const std::vector<std::string> &env = {});

struct Exit {
	bool exited = false;  ///< on its own (else killed by a signal)
	int code = -1;        ///< exit code, or the signal
	bool overran = false; ///< still running at the bound, so killed
};

/// Waits for \a p to end; past \a bound it is killed (overran).
Exit waitFor(const Proc &p, std::chrono::milliseconds bound = std::chrono::seconds(60));

std::string slurp(const fs::path &p);

// ------------------------------------------------------------------ stores
/// A frame decodes whole: libjpeg-turbo reads every scan line with no warning (a torn
/// file ends early: "Premature end of JPEG file").
bool decodesWhole(const fs::path &p);
/// The store-relative paths of the frames a reader sees (the layout's names; no dot files).
std::set<std::string> framesIn(const fs::path &store);
/// Unfinished files: ".<name>.tmp" (capture) and ".<name>.part" (pull).
std::size_t leftovers(const fs::path &store);
/// latest.jpg resolves to a frame of the store (or is not there yet).
bool latestPointsToAFrame(const fs::path &store);

/// A capture.toml in \a dir: the test pattern at full HD every second into dir/store.
std::string captureConfig(const fs::path &dir, const std::string &extra = "");
std::vector<std::string> captureArgs(const std::string &config, const std::string &command);
std::vector<std::string> pullArgs(const std::string &config, const std::string &command);

/// A pull.toml with one [[source]] per mirror in \a locals, all of them the same camera.
std::string pullConfig(const fs::path &dir, const SshdHarness &sshd, const fs::path &remote,
		       const std::vector<fs::path> &locals, const std::string &file = "pull.toml");
std::string pullConfig(const fs::path &dir, const SshdHarness &sshd, const fs::path &remote, const fs::path &local);

/// A camera store of \a count frames of \a size bytes, one a minute, and its latest.jpg.
void fillCameraStore(const fs::path &remote, int count, std::size_t size);

/// The suite's random numbers; the seed is printed.
std::mt19937 &rng();
std::chrono::microseconds uniform(std::chrono::microseconds lo, std::chrono::microseconds hi);

// ------------------------------------------------------------------ disks and logs
/// A tmpfs of \a size mounted at \a dir for the test's lifetime (root only: the suite runs
/// as root, as the e2e tests do).
class SmallDisk {
public:
	SmallDisk(fs::path dir, const std::string &size);
	~SmallDisk();
	SmallDisk(const SmallDisk &) = delete;
	SmallDisk &operator=(const SmallDisk &) = delete;
	void resize(const std::string &size);
	const fs::path &path() const { return dir_; }

private:
	fs::path dir_;
};

/// Fills the file system of \a file until a write fails (ENOSPC); returns the bytes added.
std::uint64_t fillUp(const fs::path &file);
/// Replaces the first \a from in \a text (a failed expectation if there is none).
void replaceIn(std::string &text, const std::string &from, const std::string &to);
/// How often \a phrase occurs in \a log.
std::size_t countLines(const std::string &log, const std::string &phrase);

// ------------------------------------------------------------------ links
/// A camera host and a viewing host on one machine (root): two network namespaces made for
/// the test, joined by a veth pair (the camera 10.78.0.1, the viewer 10.78.0.2), `tc tbf` at
/// \a rate on both ends. This kernel has no netem, so the round trip comes from
/// tests/support/delay_proxy.py (the pull benchmark's, bench/pull/shaped-link.sh), which
/// listens on the viewer's 127.0.0.1 and holds every chunk for half of \a rtt each way. The
/// proxy and both namespaces, the pair with them, go with the object, a failed test's too.
class TwoHosts {
public:
	static constexpr const char *kCameraAddress = "10.78.0.1";

	TwoHosts(const std::string &rate, std::chrono::milliseconds rtt);
	~TwoHosts();
	TwoHosts(const TwoHosts &) = delete;
	TwoHosts &operator=(const TwoHosts &) = delete;

	/// The namespaces' names (`ip netns`).
	const std::string &camera() const { return camera_; }
	const std::string &viewer() const { return viewer_; }
	/// Starts the delay proxy: the viewer's 127.0.0.1:\a port to the camera's address, same
	/// port (an sshd there: SshdHarness with SshdListen{ camera(), kCameraAddress }).
	void forward(int port, const fs::path &log);
	/// `ip link set down` on the camera's end of the pair: the link is cut, both ways.
	void cut();
	/// `ip link set up`: the link is back.
	void restore();
	/// \a args run on the viewing host (`ip netns exec VIEWER ...`), for spawn().
	std::vector<std::string> onViewer(const std::vector<std::string> &args) const;

private:
	void cleanUp();

	std::string camera_, viewer_, cameraEnd_;
	std::chrono::milliseconds rtt_;
	pid_t proxy_ = -1;
};

} // namespace faults
} // namespace lingercam::test
