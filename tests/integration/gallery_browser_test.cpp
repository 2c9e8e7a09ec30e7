// SPDX-License-Identifier: BSD-2-Clause
// The gallery as a person sees it: `lingercam-pull once` mirrors a camera's day that has a
// gap, over a real sshd, and writes its pages; Debian's headless Chromium loads them
// (tests/integration/gallery_browser.py) and checks the newest frame, the thumbnails, the
// day links and the gap in the coverage strip, and screenshots each page.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <turbojpeg.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/store_layout.h"
#include "pull_test_util.h"
#include "sshd_harness.h"
#include "support/program.h"

using namespace lingercam;
using namespace lingercam::test;
namespace fs = std::filesystem;

namespace {

/// A real JPEG: a gradient whose colour moves with \a seed, so frames differ in the gallery.
std::vector<std::uint8_t> realJpeg(int width, int height, unsigned seed)
{
	std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
	for (int y = 0; y < height; ++y)
		for (int x = 0; x < width; ++x) {
			auto *p = &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3];
			p[0] = static_cast<std::uint8_t>(x * 255 / width);
			p[1] = static_cast<std::uint8_t>((y * 255 / height + seed * 7) & 0xff);
			p[2] = static_cast<std::uint8_t>(seed * 37);
		}
	tjhandle tj = tjInitCompress();
	unsigned char *out = nullptr;
	unsigned long size = 0;
	tjCompress2(tj, rgb.data(), width, 0, height, TJPF_RGB, &out, &size, TJSAMP_420, 80, 0);
	std::vector<std::uint8_t> jpeg(out, out + size);
	tjFree(out);
	tjDestroy(tj);
	return jpeg;
}

std::string runCommand(const std::string &cmd, int &status)
{
	FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
	std::string out;
	char buf[512];
	while (std::size_t n = std::fread(buf, 1, sizeof buf, p))
		out.append(buf, n);
	const int raw = ::pclose(p);
	status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
	return out;
}

} // namespace

TEST(TheGallery, ShowsTheNewestFrameTheDaysAndAGapInHeadlessChromium)
{
	TempDir tmp;
	const fs::path remote = tmp.path() / "camera" / "store";
	const fs::path mirror = tmp.path() / "mirror" / "garden";
	// A day of frames every 10 minutes (144 slots), with 50 minutes missing at 12:00.
	const std::int64_t day = common::daysFromCivil(2026, 11, 23) * 86400;
	int written = 0;
	common::FrameId last;
	for (int slot = 0; slot < 144; ++slot) {
		if (slot >= 72 && slot < 77)
			continue;
		last = common::FrameId{ day + slot * 600 };
		const auto jpeg = realJpeg(640, 360, static_cast<unsigned>(slot));
		fs::create_directories((remote / last.relativePath()).parent_path());
		std::ofstream(remote / last.relativePath(), std::ios::binary)
			.write(reinterpret_cast<const char *>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
		++written;
	}
	pointLatest(remote, last.relativePath());

	SshdHarness sshd(tmp.path() / "sshd");
	sshd.start();
	const fs::path config = tmp.path() / "pull.toml";
	std::ofstream(config) << "active_hours = \"always\"\n[[source]]\nname = \"garden\"\nhost = \"127.0.0.1\"\n"
			      << "port = " << sshd.port() << "\nuser = \"" << sshd.user() << "\"\nidentity = \""
			      << sshd.clientKey().string() << "\"\nknown_hosts = \"" << sshd.knownHosts().string()
			      << "\"\nssh_config = \"none\"\nremote_store = \"" << remote.string() << "\"\nlocal_store = \""
			      << mirror.string() << "\"\n";
	int status = 0;
	const std::string pulled = runCommand(programCommand("pull/lingercam-pull") + " once --config " + config.string(), status);
	ASSERT_EQ(status, 0) << pulled;
	ASSERT_TRUE(fs::exists(mirror / "index.html")) << pulled;
	std::size_t thumbs = 0;
	for (const auto &e : fs::directory_iterator(mirror / "gallery" / "thumbs" / "2026" / "11" / "23"))
		thumbs += e.path().extension() == ".jpg";
	EXPECT_EQ(thumbs, static_cast<std::size_t>(written)) << "a thumbnail per frame";

	const fs::path shots = fs::path(LINGERCAM_BINARY_DIR) / "tests" / "integration" / "gallery-shots";
	const std::string browser = runCommand("python3 " + std::string(LINGERCAM_SOURCE_DIR) +
						       "/tests/integration/gallery_browser.py " + mirror.string() +
						       " 2026-11-23 144 5 " + shots.string(),
					       status);
	std::printf("%s", browser.c_str());
	EXPECT_EQ(status, 0) << browser;
	EXPECT_EQ(browser.find("FAIL"), std::string::npos) << browser;
	EXPECT_TRUE(fs::exists(shots / "index.png"));
	EXPECT_TRUE(fs::exists(shots / "2026-11-23.png"));
}
