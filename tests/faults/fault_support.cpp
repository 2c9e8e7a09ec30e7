// SPDX-License-Identifier: BSD-2-Clause
// The fault suite's shared helpers (fault_support.h).
#include "fault_support.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/store_layout.h"
#include "pull_test_util.h"
#include "sshd_harness.h"
#include "support/program.h"

using namespace std::chrono_literals;

namespace lingercam::test::faults {

namespace {

class PrintTable : public ::testing::Environment {
public:
	void TearDown() override
	{
		print(stdout);
		// Also as a file in the working folder: CTest shows a passing test's output nowhere,
		// so scripts/test.sh prints this after the run.
		if (std::FILE *file = std::fopen(kTableFile, "w")) {
			print(file);
			std::fclose(file);
		}
	}

private:
	static void print(std::FILE *out)
	{
		std::fprintf(out, "\nfaults: what was injected and what survived\n");
		std::fprintf(out, "%-34s %8s %8s %8s %6s %6s %8s %8s  %s\n", "fault", "injected", "expected", "valid", "lost",
			     "torn", "restarts", "time", "note");
		for (const Row &r : table())
			std::fprintf(out, "%-34s %8u %8zu %8zu %6zu %6zu %8u %7.1fs  %s\n", r.fault.c_str(), r.injected,
				     r.expected, r.valid, r.lost, r.torn, r.restarts, r.seconds, r.note.c_str());
		std::fflush(out);
	}

	static constexpr const char *kTableFile = "faults-table.txt";
};
const auto *const kTable = ::testing::AddGlobalTestEnvironment(new PrintTable);

} // namespace

// ------------------------------------------------------------------ the table

std::vector<Row> &table()
{
	static std::vector<Row> rows;
	return rows;
}


double since(std::chrono::steady_clock::time_point t)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// ------------------------------------------------------------------ processes

Proc spawn(const std::vector<std::string> &args, const fs::path &out, const std::vector<std::string> &env)
{
	Proc p;
	p.out = out;
	std::vector<std::string> argv = args;
	p.pid = ::fork();
	if (p.pid == 0) {
		int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		::dup2(fd, 1);
		::dup2(fd, 2);
		// Outside the machine's buses and any service manager, unless the test gives its own.
		::unsetenv("DBUS_SESSION_BUS_ADDRESS");
		::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
		::unsetenv("NOTIFY_SOCKET");
		for (const auto &e : env)
			::putenv(const_cast<char *>(e.c_str()));
		std::vector<char *> a;
		for (auto &s : argv)
			a.push_back(s.data());
		a.push_back(nullptr);
		::execv(a[0], a.data());
		::_exit(127);
	}
	return p;
}


Exit waitFor(const Proc &p, std::chrono::milliseconds bound)
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

std::string captureConfig(const fs::path &dir, const std::string &extra)
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
		       const std::vector<fs::path> &locals, const std::string &file)
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

// ------------------------------------------------------------------ disks and logs
SmallDisk::SmallDisk(fs::path dir, const std::string &size) : dir_(std::move(dir))
{
	fs::create_directories(dir_);
	if (::mount("lingercam-faults", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0)
		throw std::runtime_error("mount tmpfs on " + dir_.string() + ": " + std::strerror(errno) +
					 " (the faults suite runs as root)");
}

SmallDisk::~SmallDisk()
{
	::umount2(dir_.c_str(), MNT_DETACH);
}

void SmallDisk::resize(const std::string &size)
{
	if (::mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT, ("size=" + size).c_str()) != 0)
		throw std::runtime_error("remount " + dir_.string() + ": " + std::strerror(errno));
}

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

void replaceIn(std::string &text, const std::string &from, const std::string &to)
{
	const auto at = text.find(from);
	ASSERT_NE(at, std::string::npos) << from;
	text.replace(at, from.size(), to);
}

std::size_t countLines(const std::string &log, const std::string &phrase)
{
	std::size_t n = 0;
	for (std::size_t at = log.find(phrase); at != std::string::npos; at = log.find(phrase, at + 1))
		++n;
	return n;
}

// ------------------------------------------------------------------ links
namespace {

/// Runs `ip ARGS...`; a failure throws with ip's own words.
void ip(const std::vector<std::string> &args)
{
	std::vector<std::string> argv{ "ip" };
	argv.insert(argv.end(), args.begin(), args.end());
	std::string out;
	if (SshdHarness::run(argv, &out) != 0) {
		std::string line;
		for (const auto &a : argv)
			line += a + " ";
		throw std::runtime_error(line + "failed: " + out + " (the faults suite runs as root)");
	}
}

} // namespace

TwoHosts::TwoHosts(const std::string &rate, std::chrono::milliseconds rtt) : rtt_(rtt)
{
	// Unique per process and per object: runs side by side do not meet. Interface names
	// have at most 15 characters.
	static unsigned made = 0;
	// Appended in place: `"-" + std::to_string()` is a false -Wrestrict for g++ 12 at -O3.
	std::string tag = std::to_string(::getpid());
	std::string shortTag = std::to_string(::getpid() % 100000);
	if (made) {
		tag += '-';
		tag += std::to_string(made);
		shortTag += std::to_string(made % 100);
	}
	++made;
	camera_ = "lingercam-cam-" + tag;
	viewer_ = "lingercam-view-" + tag;
	cameraEnd_ = "lcc" + shortTag;
	const std::string viewerEnd = "lcv" + shortTag;
	try {
		ip({ "netns", "add", camera_ });
		ip({ "netns", "add", viewer_ });
		ip({ "link", "add", cameraEnd_, "type", "veth", "peer", "name", viewerEnd });
		ip({ "link", "set", cameraEnd_, "netns", camera_ });
		ip({ "link", "set", viewerEnd, "netns", viewer_ });
		ip({ "-n", camera_, "addr", "add", std::string(kCameraAddress) + "/24", "dev", cameraEnd_ });
		ip({ "-n", viewer_, "addr", "add", "10.78.0.2/24", "dev", viewerEnd });
		for (const auto &[ns, dev] : { std::pair{ camera_, cameraEnd_ }, std::pair{ viewer_, viewerEnd } }) {
			ip({ "-n", ns, "link", "set", "lo", "up" });
			ip({ "-n", ns, "link", "set", dev, "up" });
			// A queue of a fraction of a second at the rate: the shaper drops little, and the
			// round trip stays near the proxy's.
			std::string out;
			if (SshdHarness::run({ "tc", "-n", ns, "qdisc", "add", "dev", dev, "root", "tbf", "rate", rate, "burst",
					       "64kb", "latency", "200ms" },
					     &out) != 0)
				throw std::runtime_error("tc qdisc add ... tbf rate " + rate + " failed: " + out);
		}
	} catch (...) {
		cleanUp();
		throw;
	}
}

TwoHosts::~TwoHosts()
{
	cleanUp();
}

void TwoHosts::cleanUp()
{
	if (proxy_ > 0) {
		::kill(proxy_, SIGKILL);
		::waitpid(proxy_, nullptr, 0);
		proxy_ = -1;
	}
	// The pair goes with its namespaces; processes still in one keep it alive until they end.
	for (const auto &ns : { camera_, viewer_ })
		if (!ns.empty())
			SshdHarness::run({ "ip", "netns", "del", ns });
}

void TwoHosts::forward(int port, const fs::path &log)
{
	const std::string script = std::string(LINGERCAM_SOURCE_DIR) + "/tests/support/delay_proxy.py";
	const std::string portText = std::to_string(port);
	char oneWay[32];
	std::snprintf(oneWay, sizeof oneWay, "%.1f", static_cast<double>(rtt_.count()) / 2);
	proxy_ = ::fork();
	if (proxy_ == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL); // a test that dies takes its proxy with it
		int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		::dup2(fd, 1);
		::dup2(fd, 2);
		::execlp("ip", "ip", "netns", "exec", viewer_.c_str(), "python3", script.c_str(), "127.0.0.1",
			 portText.c_str(), kCameraAddress, portText.c_str(), oneWay, static_cast<char *>(nullptr));
		::_exit(127);
	}
	for (int i = 0; i < 500; ++i) {
		if (slurp(log).find("ready") != std::string::npos)
			return;
		if (::waitpid(proxy_, nullptr, WNOHANG) == proxy_) {
			proxy_ = -1;
			throw std::runtime_error("the delay proxy exited at start: " + slurp(log));
		}
		std::this_thread::sleep_for(20ms);
	}
	throw std::runtime_error("the delay proxy did not start within 10 s: " + slurp(log));
}

void TwoHosts::cut()
{
	ip({ "-n", camera_, "link", "set", cameraEnd_, "down" });
}

void TwoHosts::restore()
{
	ip({ "-n", camera_, "link", "set", cameraEnd_, "up" });
}

std::vector<std::string> TwoHosts::onViewer(const std::vector<std::string> &args) const
{
	std::vector<std::string> argv{ "/usr/bin/env", "ip", "netns", "exec", viewer_ };
	argv.insert(argv.end(), args.begin(), args.end());
	return argv;
}

} // namespace lingercam::test::faults
