// SPDX-License-Identifier: BSD-2-Clause
// pull.toml: every setting of the pull daemon and its sources, their defaults, and the reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "active_hours.h"
#include "common/config_reader.h"
#include "ssh_connection.h"

namespace lingercam::pull {

enum class PullMode {
	Mirror, ///< newest frame first, then every frame newer than the watermark
	Latest, ///< only the newest frame (what the original cron job did)
};

/// Ciphers offered, fastest first: AES-GCM uses the CPU's AES instructions (x86 AES-NI,
/// ARMv8 crypto extensions on a Pi 4/5 running 64-bit); ChaCha20 is quicker on CPUs without.
inline constexpr const char *kDefaultCiphers =
	"aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr";
/// The capture daemon's default store, relative to the remote user's home.
inline constexpr const char *kDefaultRemoteStore = ".local/share/lingercam/store";

/// One camera host ([[source]] table).
struct SourceConfig {
	std::string name;
	SshOptions ssh;
	std::string remoteStore = kDefaultRemoteStore;
	std::filesystem::path localStore;
};

/// Everything in pull.toml, defaults filled in.
struct PullConfig {
	std::string file; ///< where it came from, "" for built-in defaults
	std::chrono::milliseconds interval{ std::chrono::minutes(10) };
	ActiveHours activeHours = *ActiveHours::parse("06:00-22:00");
	PullMode mode = PullMode::Mirror;
	std::uint64_t maxFileSize = 64ull << 20;
	/// Free space pull keeps on the mirror's file system: a round stops fetching below it.
	common::SpaceFloor minFree{ 0, 2.0 };
	std::chrono::milliseconds connectTimeout{ std::chrono::seconds(15) };
	std::chrono::milliseconds ioTimeout{ std::chrono::seconds(60) };
	/// The longest a round may take, retries included; what arrived is kept.
	std::chrono::milliseconds roundTimeout{ std::chrono::hours(1) };
	unsigned retries = 3; ///< reconnects in a row within a round (an attempt that brought frames resets it)
	std::chrono::milliseconds retryBackoff{ std::chrono::seconds(2) }; ///< first wait; doubles
	/// After each round, the mirror's static HTML gallery (pull/gallery.h).
	bool gallery = true;
	std::vector<SourceConfig> sources;
	/// The watchdog's end-to-end test hook, from LINGERCAM_TEST_PULL_HANG_AFTER (never from
	/// the file): a round hangs for ever after this many frames (0: never).
	std::size_t testHangAfterFrames = 0;
};

/// $XDG_CONFIG_HOME/lingercam/pull.toml (~/.config/... when unset).
std::filesystem::path defaultConfigPath();
/// $XDG_DATA_HOME/lingercam/mirror/<name> (~/.local/share/... when unset).
std::filesystem::path defaultLocalStore(const std::string &sourceName);

/// Reads \a path, or the default path when empty (a missing default file gives the
/// defaults and no source). Throws common::ConfigError naming file, line and key.
PullConfig loadPullConfig(const std::string &path);
/// Parses TOML text as if read from \a file (tests).
PullConfig parsePullConfig(const std::string &text, const std::string &file);

std::string modeName(PullMode mode);

} // namespace lingercam::pull
