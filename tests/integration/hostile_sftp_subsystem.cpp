// SPDX-License-Identifier: BSD-2-Clause
// An SFTP subsystem that misbehaves in one chosen way, for sshd to run in the integration
// tests (Subsystem sftp <this> ROOT MODE): it serves the files under ROOT from memory (the
// in-memory server of tests/support) and, depending on MODE, answers as a broken or hostile
// camera host would. Speaks on stdin/stdout like OpenSSH's sftp-server.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "support/sftp/fake_sftp_server.h"

using lingercam::test::FakeSftpServer;
using lingercam::test::SftpBytes;
using Packets = std::vector<std::vector<std::uint8_t>>;
namespace fs = std::filesystem;

namespace {

constexpr std::uint8_t kOpen = 3, kRead = 5, kReaddir = 12, kExtended = 200, kStatus = 101, kHandle = 102, kData = 103,
		       kName = 104;

const std::map<std::string, const char *> kModes = {
	{ "honest", "answers like OpenSSH's sftp-server" },
	{ "handle-bomb", "1 MiB handles for files, max-read 4096 (the client would repeat it in every READ)" },
	{ "endless-listing", "READDIR never ends: 2,000 more frame names in every reply" },
	{ "short-reads", "every DATA carries half of what was asked, 16 KiB reads (SFTP allows it)" },
	{ "reordered", "answers each batch of requests in reverse order, 16 KiB reads (SFTP allows it)" },
	{ "duplicate-names", "every folder lists each entry twice" },
	{ "zero-data", "answers READ with DATA of no bytes" },
	{ "ok-to-read", "answers READ with STATUS OK and no data" },
	{ "ansi-status", "refuses to open frames with a 3.5 MiB message full of ANSI escapes" },
	{ "slow-drip", "once SFTP is started, sends one byte every 900 ms" },
	{ "crawl", "answers every READ quickly, with one byte" },
	{ "wrong-id", "answers with ids it was never sent" },
};

std::uint32_t getU32(const std::vector<std::uint8_t> &p, std::size_t at)
{
	return std::uint32_t(p[at]) << 24 | std::uint32_t(p[at + 1]) << 16 | std::uint32_t(p[at + 2]) << 8 | p[at + 3];
}

void load(FakeSftpServer &server, const fs::path &root)
{
	for (const auto &e : fs::recursive_directory_iterator(root)) {
		const std::string key = e.path().string().substr(1); // the server's paths are relative to "/"
		if (e.is_symlink())
			server.links[key] = fs::read_symlink(e.path()).string();
		else if (e.is_regular_file()) {
			std::ifstream in(e.path(), std::ios::binary);
			server.files[key].assign(std::istreambuf_iterator<char>(in), {});
		}
	}
}

void misbehave(FakeSftpServer &server, const std::string &mode)
{
	FakeSftpServer *s = &server;
	if (mode == "handle-bomb") {
		s->maxRead = 4096;
		s->responder = [s](const FakeSftpServer::Request &r) -> Packets {
			Packets p = s->answer(r);
			if (r.type == kOpen && !p.empty() && p[0][0] == kHandle)
				return { SftpBytes::packet(kHandle, r.id).str(std::string(1 << 20, 'h')).b };
			return p;
		};
	} else if (mode == "endless-listing") {
		s->responder = [s, n = 0u](const FakeSftpServer::Request &r) mutable -> Packets {
			Packets p = s->answer(r);
			if (r.type != kReaddir || p.empty() || p[0][0] != kStatus)
				return p;
			SftpBytes o = SftpBytes::packet(kName, r.id);
			o.u32(2000);
			for (int i = 0; i < 2000; ++i, ++n) {
				char name[32];
				std::snprintf(name, sizeof name, "20261125T%02u%02u%02uZ-%u.jpg", n / 3600 % 24, n / 60 % 60, n % 60,
					      1 + n / 86400 % 999);
				o.str(name).str(name).u32(0x01 | 0x04).u64(250000).u32(0100644);
			}
			return { o.b };
		};
	} else if (mode == "short-reads" || mode == "zero-data") {
		const bool zero = mode == "zero-data";
		s->maxRead = 16384; // several reads in flight per frame: a short one is mid-file
		s->responder = [s, zero](const FakeSftpServer::Request &r) -> Packets {
			Packets p = s->answer(r);
			if (r.type == kRead && !p.empty() && p[0][0] == kData) {
				const std::uint32_t len = getU32(p[0], 5);
				const std::uint32_t keep = zero ? 0 : std::max<std::uint32_t>(1, len / 2);
				std::vector<std::uint8_t> bytes(p[0].begin() + 9, p[0].begin() + 9 + keep);
				return { SftpBytes::packet(kData, r.id).str(std::string(bytes.begin(), bytes.end())).b };
			}
			return p;
		};
	} else if (mode == "reordered") {
		s->maxRead = 16384; // several reads in flight per frame, answered last first
		s->reverseReplies = true;
	} else if (mode == "duplicate-names") {
		s->duplicateNames = true;
	} else if (mode == "ok-to-read") {
		s->responder = [s](const FakeSftpServer::Request &r) -> Packets {
			if (r.type == kRead)
				return { SftpBytes::packet(kStatus, r.id).u32(0).str("").str("en").b };
			return s->answer(r);
		};
	} else if (mode == "ansi-status") {
		s->responder = [s](const FakeSftpServer::Request &r) -> Packets {
			if (r.type != kOpen)
				return s->answer(r);
			std::string message;
			while (message.size() < (7u << 19))
				message += "\x1b[2J\x1b[31mdisk on fire\x1b[0m\r\n\a";
			return { SftpBytes::packet(kStatus, r.id).u32(4).str(message).str("en").b };
		};
	} else if (mode == "slow-drip") {
		// From the first request after the start (VERSION and limits@ come whole).
		s->responder = [s](const FakeSftpServer::Request &r) -> Packets {
			if (r.type != kExtended)
				s->trickle = std::chrono::milliseconds(900);
			return s->answer(r);
		};
	} else if (mode == "crawl") {
		s->responder = [s](const FakeSftpServer::Request &r) -> Packets {
			Packets p = s->answer(r);
			if (r.type == kRead && !p.empty() && p[0][0] == kData && getU32(p[0], 5) > 1)
				return { SftpBytes::packet(kData, r.id).str(std::string(1, static_cast<char>(p[0][9]))).b };
			return p;
		};
	} else if (mode == "wrong-id") {
		s->responder = [s](const FakeSftpServer::Request &r) -> Packets {
			Packets p = s->answer(r);
			for (auto &packet : p) {
				const std::uint32_t id = getU32(packet, 1) + 1000;
				for (int i = 0; i < 4; ++i)
					packet[1 + i] = static_cast<std::uint8_t>(id >> (24 - 8 * i));
			}
			return p;
		};
	}
}

bool writeAll(const std::uint8_t *p, std::size_t n)
{
	while (n > 0) {
		ssize_t w = ::write(1, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= static_cast<std::size_t>(w);
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	const bool help = argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0);
	if (argc != 3 || !kModes.count(argv[2])) {
		if (argc == 3)
			std::fprintf(stderr, "hostile_sftp_subsystem: no mode '%s'\n", argv[2]);
		std::fprintf(help ? stdout : stderr, "usage: %s ROOT MODE\nmodes:\n", argc > 0 ? argv[0] : "hostile_sftp_subsystem");
		for (const auto &[mode, what] : kModes)
			std::fprintf(help ? stdout : stderr, "  %-16s %s\n", mode.c_str(), what);
		return help ? 0 : 2;
	}
	FakeSftpServer server;
	std::error_code ec;
	if (!fs::is_directory(argv[1], ec)) {
		std::fprintf(stderr, "hostile_sftp_subsystem: ROOT %s is not a folder\n", argv[1]);
		return 2;
	}
	load(server, argv[1]);
	misbehave(server, argv[2]);

	std::vector<std::uint8_t> in(256 << 10), out(4 << 20);
	for (;;) {
		ssize_t n = ::read(0, in.data(), in.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0; // the client went away
		server.write(std::span(in.data(), static_cast<std::size_t>(n)));
		// Everything answered so far goes out now (a byte at a time when dripping).
		while (server.hasOutput()) {
			std::size_t got = server.read(out, FakeSftpServer::Clock::now() + std::chrono::hours(1));
			if (!writeAll(out.data(), got))
				return 0;
		}
	}
}
