// SPDX-License-Identifier: BSD-2-Clause
// The config readers on arbitrary bytes: capture.toml and pull.toml either parse into a
// config whose values are inside their documented ranges, or fail with a ConfigError that
// names the file. Nothing else may escape: no other exception, no crash, no hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "capture/capture_config.h"
#include "common/error.h"
#include "pull/pull_config.h"

namespace {

void expect(bool ok, const char *what)
{
	if (!ok) {
		std::fprintf(stderr, "config fuzz: %s\n", what);
		std::abort();
	}
}

void expectNamesFile(const lingercam::common::ConfigError &e, std::string_view file)
{
	expect(std::string_view(e.what()).starts_with(file), "a config error that does not start with the file's name");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	namespace capture = lingercam::capture;
	namespace pull = lingercam::pull;
	const std::string text(reinterpret_cast<const char *>(data), size);
	try {
		capture::CaptureConfig c = capture::parseCaptureConfig(text, "capture.toml");
		expect(c.interval >= std::chrono::seconds(1), "interval below 1 s accepted");
		expect(c.width >= 16 && c.width <= 16384 && c.height >= 16 && c.height <= 16384, "image size out of range");
		expect(c.quality >= 1 && c.quality <= 100, "quality out of range");
		expect(c.captureTimeout >= std::chrono::milliseconds(100), "camera.timeout below 100 ms accepted");
		expect(!c.store.empty(), "an empty store path accepted");
	} catch (const lingercam::common::ConfigError &e) {
		expectNamesFile(e, "capture.toml");
	}
	try {
		pull::PullConfig c = pull::parsePullConfig(text, "pull.toml");
		expect(c.interval >= std::chrono::seconds(1), "interval below 1 s accepted");
		expect(c.roundTimeout > c.ioTimeout, "round_timeout not above io_timeout");
		for (const auto &s : c.sources)
			expect(!s.name.empty() && !s.ssh.host.empty(), "a source without a name or host accepted");
	} catch (const lingercam::common::ConfigError &e) {
		expectNamesFile(e, "pull.toml");
	}
	return 0;
}
