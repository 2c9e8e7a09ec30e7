// SPDX-License-Identifier: BSD-2-Clause
// The real lingercam-capture binary: `run` on the test pattern and with no camera, `cameras`.
#include <csignal>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "capture/jpeg_encoder.h"
#include "common/store_layout.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace lingercam;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// The real lingercam-capture binary as a child process, its stderr in a file.
class Child {
public:
	Child(const std::vector<std::string> &args, const fs::path &log)
	{
		pid_ = ::fork();
		if (pid_ == 0) {
			int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
			::dup2(fd, 1);
			::dup2(fd, 2);
			std::vector<std::string> program = test::programArgv("capture/lingercam-capture");
			std::vector<char *> argv;
			for (std::string &a : program)
				argv.push_back(a.data());
			for (const std::string &a : args)
				argv.push_back(const_cast<char *>(a.c_str()));
			argv.push_back(nullptr);
			::unsetenv("JOURNAL_STREAM");
			::unsetenv("NOTIFY_SOCKET");
			::execv(argv[0], argv.data());
			::_exit(127);
		}
	}
	~Child()
	{
		if (pid_ > 0 && !reaped_) {
			::kill(pid_, SIGKILL);
			::waitpid(pid_, nullptr, 0);
		}
	}
	bool running()
	{
		int status;
		return ::waitpid(pid_, &status, WNOHANG) == 0;
	}
	/// SIGTERM, then the exit status (or -1 if it had to be killed after 15 s).
	int terminate()
	{
		::kill(pid_, SIGTERM);
		for (int i = 0; i < 150; ++i) {
			int status;
			if (::waitpid(pid_, &status, WNOHANG) == pid_) {
				reaped_ = true;
				return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			}
			std::this_thread::sleep_for(100ms);
		}
		return -1;
	}

private:
	pid_t pid_ = -1;
	bool reaped_ = false;
};

std::string slurp(const fs::path &p)
{
	std::ifstream in(p);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

std::size_t count(const std::string &haystack, const std::string &needle)
{
	std::size_t n = 0;
	for (std::size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1))
		++n;
	return n;
}

} // namespace

TEST(TheCaptureDaemon, WritesTestPatternFramesEverySecondAndExitsCleanlyOnSigterm)
{
	test::TempDir dir;
	const auto start = std::chrono::steady_clock::now();
	Child child({ "run", "--source", "testpattern", "--interval", "1s", "--store", (dir / "store").string() },
		    dir / "log");
	// Two frames, however long a 1920x1080 frame takes here (2 s under qemu-user, loaded).
	test::waitUntil([&] { return count(slurp(dir / "log"), "frame saved") >= 2; });
	const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
	ASSERT_TRUE(child.running()) << slurp(dir / "log");
	EXPECT_EQ(child.terminate(), 0) << slurp(dir / "log");

	std::vector<fs::path> frames;
	for (const auto &e : fs::recursive_directory_iterator(dir / "store")) {
		std::string name = e.path().filename().string();
		EXPECT_FALSE(name.ends_with(".tmp")) << "no work in progress left: " << name;
		if (common::parseFrameFileName(name))
			frames.push_back(e.path());
	}
	EXPECT_GE(frames.size(), 2u) << slurp(dir / "log");
	EXPECT_LE(frames.size(), static_cast<std::size_t>(seconds.count()) + 3) << "at most one a second";
	for (const fs::path &f : frames) {
		std::ifstream in(f, std::ios::binary);
		std::vector<std::uint8_t> jpeg(std::istreambuf_iterator<char>(in), {});
		int w = 0, h = 0;
		ASSERT_TRUE(capture::jpegDimensions(jpeg, w, h)) << f;
		EXPECT_EQ(w, 1920);
		auto id = common::parseFrameFileName(f.filename().string());
		EXPECT_EQ(capture::readExifDateTimeOriginal(jpeg), id->exifTime()) << "EXIF time matches the name";
	}
	EXPECT_TRUE(fs::is_symlink(dir / "store" / "latest.jpg"));
	std::string log = slurp(dir / "log");
	EXPECT_EQ(count(log, "frame saved"), frames.size()) << "one line per frame: " << log;
}

TEST(TheCaptureDaemon, SaysNoCameraWasFoundAndKeepsRetryingWithoutFlooding)
{
	test::TempDir dir;
	Child child({ "run", "--source", "libcamera", "--interval", "1s", "--store", (dir / "store").string() },
		    dir / "log");
	std::this_thread::sleep_for(7s);
	ASSERT_TRUE(child.running()) << "no crash loop: " << slurp(dir / "log");
	EXPECT_EQ(child.terminate(), 0);
	std::string log = slurp(dir / "log");
	EXPECT_EQ(count(log, "camera unavailable: no camera found"), 1u) << log;
	EXPECT_GE(count(log, "camera still unavailable attempts=2"), 1u) << "it retried: " << log;
	// lingercam's own lines (they start with the date); libcamera may add one of its own per
	// attempt (0.4 logs a missing dma-buf heap), and the attempts back off.
	EXPECT_LE(count("\n" + log, "\n20"), 8u) << "no flood: " << log;
	EXPECT_LE(count(log, "\n"), 12u) << "no flood: " << log;
}

TEST(TheCaptureCamerasCommand, SaysClearlyThatThereIsNoCamera)
{
	test::TempDir dir;
	std::string cmd = test::programCommand("capture/lingercam-capture") + " cameras > " +
			  (dir / "out").string() + " 2>&1";
	int raw = std::system(cmd.c_str());
	EXPECT_EQ(WEXITSTATUS(raw), 69);
	EXPECT_NE(slurp(dir / "out").find("no camera found"), std::string::npos) << slurp(dir / "out");
}
