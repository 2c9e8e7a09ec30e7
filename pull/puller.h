// SPDX-License-Identifier: BSD-2-Clause
// One source's round: the newest frame first, then what is missing; retries within the round.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/config_reader.h"
#include "common/store_layout.h"
#include "pull_config.h"
#include "pull_status.h"
#include "round_limits.h"
#include "ssh_error.h"
#include "sync_planner.h"

namespace spdlog {
class logger;
}

namespace lingercam::pull {

class LocalMirror;
class MemoryBudget;
class RemoteStore;

/// How a round behaves (from PullConfig).
struct RoundOptions {
	PullMode mode = PullMode::Mirror;
	std::uint64_t maxFileSize = 64ull << 20;
	/// Free space kept on the mirror's file system: below it a round stops fetching, keeps
	/// what arrived, and fails saying so; the next round goes on once there is room.
	common::SpaceFloor minFree{ 0, 2.0 };
	unsigned retries = 3;
	std::chrono::milliseconds retryBackoff{ 2000 };
	/// The longest a round may take, reconnects included (0: no limit).
	std::chrono::milliseconds roundTimeout{ 0 };
	/// How often, at most, the watermark is written while frames flow: locally, and to the
	/// remote ".pulled" in the background. Always at the end of a round, too.
	std::chrono::milliseconds checkpointEvery{ 3000 };
	/// The viewer's UTC day ("YYYY/MM/DD"), for the days a backfill lists; empty: today's.
	std::string today;
	/// The viewer's clock, which the watermark never passes (tests; none: the system clock).
	std::optional<std::chrono::system_clock::time_point> now;
	/// The daemon's memory budget, shared by every source's commit queue (none: a cap per
	/// mirror). The SFTP connector's reads draw on MemoryBudget::daemon().
	MemoryBudget *budget = nullptr;
	/// Told of every sign of progress: bytes received, a frame done, a retry's wait (none:
	/// nobody listens). The daemon's watchdog pings only while it beats.
	common::Heartbeat *heartbeat = nullptr;
	/// For the watchdog's end-to-end test only: after this many frames in a round, block
	/// for ever in a call with no timeout, as a hung library call would (0: never).
	std::size_t hangAfterFrames = 0;
};

struct RoundProgress {
	std::size_t framesDone = 0;
	std::size_t framesTotal = 0;
	std::uint64_t bytesDone = 0;
	std::uint64_t bytesTotal = 0;
};

struct RoundResult {
	bool ok = false;
	std::string error;
	std::optional<SshError::Kind> errorKind;
	unsigned attempts = 0;
	std::optional<common::FrameId> newest; ///< the remote latest.jpg
	bool newestFetched = false;
	std::size_t framesFetched = 0;
	std::uint64_t bytesFetched = 0;
	std::size_t refused = 0;       ///< remote entries or frames refused this round
	std::size_t resumed = 0;       ///< frames continued from a ".part"
	std::uint64_t resumedBytes = 0; ///< bytes not fetched again thanks to that
	std::size_t backlog = 0;       ///< frames still missing at the end of the round
	std::size_t foldersListed = 0;
	std::optional<common::FrameId> watermark;
	std::set<std::string> daysTouched; ///< days ("YYYY/MM/DD") that gained frames
	std::chrono::milliseconds took{ 0 };
};

/// Pulls one source: a round connects once, fetches the newest frame first, then (mode
/// mirror) every frame newer than the watermark, oldest first. One pipeline carries it all:
/// the newest frame's fetch starts while the day folders are being listed, frames flow as
/// their days come in, and the watermark advances as frames are committed, written back to
/// the remote ".pulled" in the background. Nothing waits for a round trip it does not
/// need. Transient network errors are retried with exponential backoff inside the round;
/// the next attempt or round continues where this one stopped (complete frames are skipped,
/// ".part" files resumed).
class Puller {
public:
	/// Connects to the camera host; every wait keeps to the round's limits.
	using Connector = std::function<std::unique_ptr<RemoteStore>(const RoundLimits &limits)>;
	using ProgressCallback = std::function<void(const std::string &source, const RoundProgress &)>;

	Puller(std::string name, std::filesystem::path localStore, Connector connector, RoundOptions options,
	       common::Interrupt &interrupt, PullStatus *status = nullptr);
	~Puller();

	/// One round; never throws for network or remote problems (they are in the result).
	RoundResult runRound();
	/// Progress of the fetches, at most once per \a minInterval (and at the end).
	void setProgressCallback(ProgressCallback callback,
				 std::chrono::milliseconds minInterval = std::chrono::milliseconds(100))
	{
		progress_ = std::move(callback);
		progressInterval_ = minInterval;
	}

	const std::string &name() const { return name_; }

	/// Refused remote paths already warned about are remembered (by hash, so a repeat is
	/// logged at debug level only), this many at most: a camera host listing millions of
	/// bad names costs a fixed amount of memory.
	static constexpr std::size_t kMaxRememberedRefusals = 4096;
	std::size_t rememberedRefusals() const { return warned_.size(); }

	/// The connector of a configured source: SftpRemoteStore over libssh.
	static Connector sftpConnector(const SourceConfig &source);
	/// This viewer's name on the camera host ("<hostname>-<hash of the mirror's path>"),
	/// stable across restarts: its confirmation file is ".pulled.<viewer>".
	static std::string viewerId(const std::filesystem::path &localStore);

private:
	class Attempt;
	friend class Attempt;

	/// The retries of one round: attempts in a row that failed without a frame more, and the
	/// wait before the next.
	struct Retries {
		std::chrono::milliseconds backoff;
		unsigned failures;
	};

	void attempt(RemoteStore &remote, LocalMirror &mirror, RoundResult &result);
	/// After a failed attempt: whether to try again (having waited the backoff); if not,
	/// \a result says why the round ended.
	bool retryAfter(const SshError &e, bool broughtFrames, const RoundLimits &limits, Retries &retries,
			RoundResult &result);
	/// The round's log line and status.
	void finishRound(const RoundResult &result);
	void reportProgress(const RoundProgress &progress, bool force);
	/// Waits \a wait, beating the heartbeat; true if a stop came first.
	bool waitBeating(std::chrono::milliseconds wait);
	void refuse(const std::string &path, const std::string &reason, RoundResult &result);
	void setState(SourceStatus::State state);

	std::string name_;
	std::filesystem::path localStore_;
	Connector connector_;
	RoundOptions options_;
	common::Interrupt &interrupt_;
	PullStatus *status_;
	ProgressCallback progress_;
	std::unordered_set<std::size_t> warned_; ///< see kMaxRememberedRefusals
	std::string remoteConfirmation_; ///< what was last written to this viewer's confirmation file
	std::chrono::steady_clock::time_point lastProgress_{};
	std::chrono::milliseconds progressInterval_{ 100 };
	std::shared_ptr<spdlog::logger> log_;
	std::string confirmation_; ///< this viewer's ".pulled.<viewer>" on the camera host
};

} // namespace lingercam::pull
