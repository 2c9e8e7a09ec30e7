// SPDX-License-Identifier: BSD-2-Clause
// The pure SFTP reply parsers on arbitrary bytes: the first byte picks the parser, the
// rest is the reply body. Each either parses within its bounds or throws a protocol error;
// nothing else (no crash, no other exception, no allocation past the bounds).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_input.h"
#include "pull/sftp_replies.h"
#include "pull/ssh_error.h"

namespace sftp = lingercam::pull::sftp;
using lingercam::pull::SshError;

using lingercam::fuzz::printable;

namespace {

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	if (size == 0)
		return 0;
	const std::span<const std::uint8_t> body(data + 1, size - 1);
	try {
		switch (data[0] % 8) {
		case 0: {
			auto v = sftp::parseVersion(body);
			FUZZ_CHECK(v.extensions.size() <= sftp::kMaxExtensions);
			break;
		}
		case 1: sftp::parseLimits(body); break;
		case 2: FUZZ_CHECK(sftp::parseHandle(body).size() <= sftp::kMaxHandle); break;
		case 3: {
			auto s = sftp::parseStatus(body);
			FUZZ_CHECK(s.message.size() <= sftp::kMaxStatusText * 4 + 3);
			FUZZ_CHECK(printable(s.message));
			break;
		}
		case 4: {
			auto d = sftp::parseData(body);
			FUZZ_CHECK(d.data() >= body.data() && d.data() + d.size() <= body.data() + body.size());
			break;
		}
		case 5: sftp::parseAttrs(body); break;
		case 6: {
			auto names = sftp::parseNames(body);
			FUZZ_CHECK(names.size() <= body.size() / 12);
			break;
		}
		default: {
			const std::string_view text(reinterpret_cast<const char *>(body.data()), body.size());
			const std::size_t max = 1 + data[0] % 64u;
			const std::string safe = sftp::safeText(text, max);
			FUZZ_CHECK(printable(safe));
			FUZZ_CHECK(safe.size() <= max * 4 + 3);
			break;
		}
		}
	} catch (const SshError &e) {
		FUZZ_CHECK(e.kind() == SshError::Kind::Protocol);
		FUZZ_CHECK(printable(e.what()));
	}
	return 0;
}
