// SPDX-License-Identifier: BSD-2-Clause
// Store benchmark: what publishing a frame costs beside a plain write+fsync of the same
// bytes, and how start-up scan and newest-frame lookup scale with a store of 1, 30 and 365
// days of per-minute frames. Prints one table; run it from scripts/bench.sh or directly:
//   build/bench/store/store_bench [--dir DIR] [--frames N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "common/fs_util.h"
#include "common/logging.h"
#include "common/store.h"

using namespace lingercam;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double msSince(Clock::time_point start)
{
	return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

/// A store of \a days days of per-minute frames (small files: scan cost is per entry).
void populate(const fs::path &root, int days)
{
	if (fs::exists(root / ".complete"))
		return;
	fs::remove_all(root);
	const std::int64_t start = common::daysFromCivil(2025, 1, 1) * 86400;
	std::string payload(64, 'x');
	for (int d = 0; d < days; ++d) {
		common::FrameId dayId{ start + d * 86400LL, 0 };
		fs::create_directories(root / dayId.dayPath());
		common::UniqueFd dir = common::openDir(AT_FDCWD, (root / dayId.dayPath()).string());
		for (int m = 0; m < 1440; ++m) {
			common::FrameId id{ dayId.seconds + m * 60LL, 0 };
			int fd = ::openat(dir.get(), id.fileName().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0 || ::write(fd, payload.data(), payload.size()) < 0) {
				std::perror("populate");
				std::exit(1);
			}
			::close(fd);
		}
	}
	common::UniqueFd rootFd = common::openDir(AT_FDCWD, root.string());
	common::FrameId last{ start + (days - 1) * 86400LL + 1439 * 60, 0 };
	common::replaceSymlink(rootFd.get(), "latest.jpg", last.relativePath(), "latest");
	std::FILE *f = std::fopen((root / ".complete").c_str(), "w");
	std::fclose(f);
}

} // namespace

int main(int argc, char **argv)
{
	fs::path dir = fs::temp_directory_path() / "lingercam-bench-store";
	int frames = 200;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!std::strcmp(argv[i], "--dir"))
			dir = argv[i + 1];
		else if (!std::strcmp(argv[i], "--frames"))
			frames = std::atoi(argv[i + 1]);
	}
	common::setupLogging({ false, false, "store_bench" });
	common::logger("store")->set_level(spdlog::level::warn);
	fs::create_directories(dir);

	// 1. Publishing a 250 KB frame vs writing and fsyncing the same bytes.
	std::vector<std::uint8_t> jpeg(250 * 1024);
	std::mt19937 rng(1);
	std::generate(jpeg.begin(), jpeg.end(), [&] { return static_cast<std::uint8_t>(rng()); });
	fs::remove_all(dir / "publish");
	std::vector<double> publishMs, plainMs;
	{
		common::Store store(dir / "publish");
		auto t = std::chrono::system_clock::now();
		for (int i = 0; i < frames; ++i) {
			auto start = Clock::now();
			store.publish(jpeg, t + std::chrono::seconds(60 * i));
			publishMs.push_back(msSince(start));
		}
		fs::create_directories(dir / "plain");
		for (int i = 0; i < frames; ++i) {
			auto start = Clock::now();
			std::string path = (dir / "plain" / std::string("f").append(std::to_string(i))).string();
			int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			common::writeAll(fd, jpeg, path);
			::fsync(fd);
			::close(fd);
			plainMs.push_back(msSince(start));
		}
	}
	fs::remove_all(dir / "publish");
	fs::remove_all(dir / "plain");

	std::printf("lingercam store benchmark (%s)\n\n", dir.c_str());
	std::printf("Publishing one 250 KiB frame, median of %d:\n", frames);
	std::printf("  %-52s %8.2f ms\n", "Store::publish (tmp, write, fsync, rename, fsync dir, latest)",
		    median(publishMs));
	std::printf("  %-52s %8.2f ms\n", "plain open+write+fsync+close of the same bytes", median(plainMs));
	std::printf("  %-52s %8.2fx\n\n", "ratio", median(publishMs) / median(plainMs));

	// 2. Scan and newest lookup by store size.
	std::printf("%-10s %10s %16s %20s\n", "store", "frames", "startup scan", "newest lookup");
	for (int days : { 1, 30, 365 }) {
		fs::path root = dir / ("days-" + std::to_string(days));
		auto buildStart = Clock::now();
		populate(root, days);
		double buildMs = msSince(buildStart);
		std::vector<double> scans;
		std::size_t count = 0;
		for (int r = 0; r < 3; ++r) {
			auto start = Clock::now();
			common::Store store(root);
			scans.push_back(msSince(start));
			count = store.frameCount();
		}
		common::Store store(root);
		const int lookups = 20000;
		auto start = Clock::now();
		std::size_t found = 0;
		for (int i = 0; i < lookups; ++i)
			found += store.latest().has_value();
		double lookupUs = msSince(start) * 1000 / lookups;
		std::printf("%-10s %10zu %13.1f ms %17.2f us%s\n", (std::to_string(days) + (days == 1 ? " day" : " days")).c_str(),
			    count, median(scans), lookupUs, found == static_cast<std::size_t>(lookups) ? "" : "  (MISSING)");
		if (buildMs > 1000)
			std::fprintf(stderr, "(built %s in %.1f s; kept for the next run)\n", root.c_str(), buildMs / 1000);
	}
	std::printf("\nScan medians of 3 with a warm page cache; newest lookup is one readlink of latest.jpg.\n");
	return 0;
}
