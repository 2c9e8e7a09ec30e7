// SPDX-License-Identifier: BSD-2-Clause
// The camera store's record of days holding frames out of time order (.out-of-order/).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "fs_util.h"

namespace spdlog {
class logger;
}

namespace lingercam::common {

/// The days of a store that hold frames a viewer's watermark may already have passed: frames
/// named by a clock that stepped back, or that timedate1 said was not synchronized. Kept as
/// one empty file per day in ".out-of-order/" (store_layout.h: kOutOfOrderFolder), so that a
/// viewer learns them with one folder listing, and each viewer says in its confirmation file
/// which of them it holds whole, by token. See the README's "Frames from a wrong clock".
///
/// Nothing here throws after construction: a mark that cannot be written (a full or
/// read-only disk) leaves its day pending, which counts as marked and confirmed by nobody,
/// and is written at the next mark() or retryPending().
class OutOfOrderDays {
public:
	/// Reads ".out-of-order/" below \a storeRootFd (not owned). Every day found gets a new
	/// token: a frame published just before a crash may have followed the token a viewer
	/// then confirmed without it (and a crash inside mark() leaves a day with two tokens).
	explicit OutOfOrderDays(int storeRootFd);

	/// Gives \a dayPath a new token, made durable (the folder fsynced) before this returns,
	/// so a viewer that confirmed an older one lists the day again.
	void mark(const std::string &dayPath);
	/// Writes the marks that could not be written before.
	void retryPending();
	/// Forgets \a dayPath (every viewer holds it whole, or it has no frames left).
	void retire(const std::string &dayPath);

	/// Marked, with a token written or pending.
	bool marked(const std::string &dayPath) const { return days_.count(dayPath) || pending_.count(dayPath); }
	/// The day's current token; nullptr when it is not marked or its mark is pending.
	const std::string *token(const std::string &dayPath) const;
	/// Day path -> its current token (written marks only).
	const std::map<std::string, std::string> &days() const { return days_; }
	const std::set<std::string> &pending() const { return pending_; }

private:
	int folder();
	bool write(const std::string &dayPath);
	void failed(const std::string &what, int error);
	static std::string newToken();

	int rootFd_;
	UniqueFd dirFd_; ///< ".out-of-order", opened (created) on first use
	std::map<std::string, std::string> days_;
	std::set<std::string> pending_;
	std::string lastError_; ///< said once until it changes
	std::shared_ptr<spdlog::logger> log_;
};

} // namespace lingercam::common
