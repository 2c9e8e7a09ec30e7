// SPDX-License-Identifier: MIT
// The camera store's record of days holding frames out of time order (.out-of-order/).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "fs_util.h"

namespace spdlog {
class logger;
}

namespace lingercam::common {

/// The days of a store that hold frames a viewer's watermark may already have passed: frames
/// named by a clock that stepped back, or that timedate1 said was not synchronized. Kept as
/// one empty file per day in ".out-of-order/" (frame_name.h: kOutOfOrderFolder), so that a
/// viewer learns them with one folder listing, and each viewer says in its confirmation file
/// which of them it holds whole. See the README's "Frames from a wrong clock".
class OutOfOrderDays {
public:
	/// Reads ".out-of-order/" below \a storeRootFd (not owned). A day with several tokens (a
	/// crash between the two steps of mark()) gets a new one. Throws SystemError.
	explicit OutOfOrderDays(int storeRootFd);

	/// Records that \a dayPath is about to gain a frame out of order: a new token, durable
	/// (the folder fsynced) before this returns, so a viewer that confirmed the old one
	/// lists the day again. Throws SystemError.
	void mark(const std::string &dayPath);
	/// Forgets \a dayPath (every viewer holds it whole, or it has no frames left).
	void retire(const std::string &dayPath);

	/// Day path -> its current token.
	const std::map<std::string, std::string> &days() const { return days_; }
	const std::string *token(const std::string &dayPath) const;

private:
	int folder();
	static std::string newToken();

	int rootFd_;
	UniqueFd dirFd_; ///< ".out-of-order", opened (created) on first use
	std::map<std::string, std::string> days_;
	std::shared_ptr<spdlog::logger> log_;
};

} // namespace lingercam::common
