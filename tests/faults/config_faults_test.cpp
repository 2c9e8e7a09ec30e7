// SPDX-License-Identifier: BSD-2-Clause
// Broken config files: each gives exit 78 and a message that names the file and the problem.
#include "fault_test.h"

#include <unistd.h>

#include <algorithm>

namespace {

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
