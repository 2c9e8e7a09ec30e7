// SPDX-License-Identifier: BSD-2-Clause
// Helpers for pull's integration tests (see pull_test_util.h).
#include "pull_test_util.h"

#include <fstream>
#include <random>

namespace lingercam::test {

namespace fs = std::filesystem;

std::vector<std::uint8_t> jpegBytes(std::size_t size, std::uint32_t seed)
{
	std::vector<std::uint8_t> out(size);
	std::mt19937 rng(seed);
	for (auto &b : out)
		b = static_cast<std::uint8_t>(rng());
	out[0] = 0xFF;
	out[1] = 0xD8;
	out[size - 2] = 0xFF;
	out[size - 1] = 0xD9;
	return out;
}

fs::path writeFrame(const fs::path &store, const common::FrameId &id, std::size_t size)
{
	fs::path p = store / id.relativePath();
	fs::create_directories(p.parent_path());
	auto bytes = jpegBytes(size, static_cast<std::uint32_t>(id.seconds));
	std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char *>(bytes.data()),
						  static_cast<std::streamsize>(bytes.size()));
	return p;
}

void pointLatest(const fs::path &store, const std::string &target)
{
	std::error_code ec;
	fs::remove(store / "latest.jpg", ec);
	fs::create_symlink(target, store / "latest.jpg");
}

common::FrameId frameAt(int minutes, int day)
{
	return common::FrameId{ common::daysFromCivil(2026, 11, static_cast<unsigned>(day)) * 86400 + minutes * 60, 0 };
}

std::map<std::string, std::string> tree(const fs::path &root)
{
	std::map<std::string, std::string> out;
	if (!fs::exists(root))
		return out;
	for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
		std::string rel = it->path().lexically_relative(root).string();
		auto st = it->symlink_status();
		// Built first, then moved in: g++ 12 at -O3 misreads an assignment or a "x" + string
		// into a map's value as an overlapping copy (-Wrestrict).
		std::string what;
		if (fs::is_symlink(st)) {
			what = std::string("l -> ").append(fs::read_symlink(it->path()).string());
			it.disable_recursion_pending();
		} else if (fs::is_directory(st)) {
			what = std::string("d");
		} else if (fs::is_regular_file(st)) {
			what = std::string("f ").append(std::to_string(fs::file_size(it->path())));
		} else {
			what = std::string("other");
		}
		out[rel] = std::move(what);
	}
	return out;
}

std::vector<std::uint8_t> readBytes(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

pull::SourceConfig sourceFor(const SshdHarness &sshd, const std::string &name, const fs::path &remote,
			     const fs::path &local)
{
	pull::SourceConfig s;
	s.name = name;
	s.ssh.host = "127.0.0.1";
	s.ssh.port = sshd.port();
	s.ssh.user = sshd.user();
	s.ssh.identities = { sshd.clientKey().string() };
	s.ssh.knownHosts = sshd.knownHosts().string();
	s.ssh.sshConfig = "none";
	s.ssh.ciphers = pull::kDefaultCiphers;
	s.ssh.connectTimeout = std::chrono::seconds(5);
	s.ssh.ioTimeout = std::chrono::seconds(10);
	s.remoteStore = remote.string();
	s.localStore = local;
	return s;
}

} // namespace lingercam::test
