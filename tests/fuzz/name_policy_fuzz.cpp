// SPDX-License-Identifier: BSD-2-Clause
// The name policy on arbitrary remote names: whatever a camera host lists, an accepted
// entry is exactly a store-layout name, and every local path pull builds from it stays
// inside the mirror. Reasons for a refusal are plain text (the name itself is escaped
// where it is logged: sftp::safeText, fuzzed with the reply parsers).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/store_layout.h"
#include "fuzz_input.h"
#include "pull/name_policy.h"

namespace pull = lingercam::pull;
using lingercam::fuzz::FuzzInput;

using lingercam::fuzz::printable;

namespace {

bool digits(std::string_view s, std::size_t n)
{
	if (s.size() != n)
		return false;
	for (char c : s)
		if (c < '0' || c > '9')
			return false;
	return true;
}

/// A local path pull would build: relative, no "." or ".." component, no empty one.
bool insideMirror(std::string_view path)
{
	if (path.empty() || path.front() == '/' || path.back() == '/')
		return false;
	std::size_t start = 0;
	while (start <= path.size()) {
		std::size_t end = path.find('/', start);
		if (end == std::string_view::npos)
			end = path.size();
		std::string_view part = path.substr(start, end - start);
		if (part.empty() || part == "." || part == "..")
			return false;
		start = end + 1;
	}
	return printable(path);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzInput in(data, size);
	const std::uint8_t what = in.u8();
	pull::RemoteEntry entry;
	entry.type = static_cast<pull::EntryType>(in.u8() % 4);
	entry.size = in.u64();
	entry.mtime = static_cast<std::int64_t>(in.u64());
	const std::uint64_t maxFileSize = in.u32();
	const auto name = in.rest();
	entry.name.assign(name.begin(), name.end());

	switch (what % 3) {
	case 0: {
		const auto level = static_cast<pull::FolderLevel>(what / 3 % 3);
		pull::EntryVerdict v = pull::checkFolderEntry(level, entry);
		if (v.kind == pull::EntryVerdict::Kind::Accept) {
			FUZZ_CHECK(entry.type == pull::EntryType::Directory);
			FUZZ_CHECK(digits(entry.name, level == pull::FolderLevel::Root ? 4 : 2));
			FUZZ_CHECK(insideMirror(entry.name));
		}
		FUZZ_CHECK(printable(v.reason));
		break;
	}
	case 1: {
		const std::string dayPath = "2026/11/25";
		pull::EntryVerdict v = pull::checkDayEntry(dayPath, entry, maxFileSize);
		if (v.kind == pull::EntryVerdict::Kind::Accept) {
			FUZZ_CHECK(v.frame.has_value());
			FUZZ_CHECK(entry.type == pull::EntryType::Regular);
			FUZZ_CHECK(entry.size > 0 && entry.size <= maxFileSize);
			// The local path is rebuilt from the parsed frame, and it is the listed one.
			FUZZ_CHECK(v.frame->relativePath() == dayPath + "/" + entry.name);
			FUZZ_CHECK(insideMirror(v.frame->relativePath()));
		}
		FUZZ_CHECK(printable(v.reason));
		break;
	}
	default: {
		std::string reason;
		auto id = pull::checkLatestTarget(entry.name, reason);
		if (id) {
			FUZZ_CHECK(id->relativePath() == entry.name);
			FUZZ_CHECK(insideMirror(id->relativePath()));
			FUZZ_CHECK(lingercam::common::parseFrameRelativePath(id->relativePath()) == id);
		} else {
			FUZZ_CHECK(!reason.empty());
		}
		break;
	}
	}
	return 0;
}
