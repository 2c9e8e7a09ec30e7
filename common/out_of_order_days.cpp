// SPDX-License-Identifier: BSD-2-Clause
// The camera store's record of days holding frames out of time order (.out-of-order/).
#include "out_of_order_days.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "error.h"
#include "logging.h"
#include "store_layout.h"

namespace lingercam::common {

OutOfOrderDays::OutOfOrderDays(int storeRootFd) : rootFd_(storeRootFd), log_(logger("store"))
{
	UniqueFd dir(::openat(rootFd_, kOutOfOrderFolder, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!dir) {
		if (errno != ENOENT)
			failed(std::string("open ") + kOutOfOrderFolder, errno);
		return;
	}
	std::map<std::string, std::vector<std::string>> found;
	try {
		for (const std::string &name : listFolder(dir.get()))
			if (auto day = parseOutOfOrderFileName(name))
				found[day->dayPath].push_back(day->fileName());
	} catch (const SystemError &e) {
		failed(std::string("list ") + kOutOfOrderFolder, e.code());
	}
	dirFd_ = std::move(dir);
	for (auto &[day, names] : found) {
		pending_.insert(day);
		if (write(day))
			for (const std::string &name : names)
				::unlinkat(dirFd_.get(), name.c_str(), 0);
	}
}

int OutOfOrderDays::folder()
{
	if (!dirFd_)
		dirFd_ = makeDirs(rootFd_, kOutOfOrderFolder);
	return dirFd_.get();
}

std::string OutOfOrderDays::newToken()
{
	static std::mt19937 random(std::random_device{}());
	char buf[9];
	std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(random()));
	return buf;
}

const std::string *OutOfOrderDays::token(const std::string &dayPath) const
{
	auto it = days_.find(dayPath);
	return it == days_.end() || pending_.count(dayPath) ? nullptr : &it->second;
}

void OutOfOrderDays::failed(const std::string &what, int error)
{
	const std::string text = what + ": " + std::strerror(error);
	if (text != lastError_)
		log_->error("cannot mark a day out of order (viewers treat it as unconfirmed; retried with the next "
			    "frame): {}",
			    text);
	lastError_ = text;
}

bool OutOfOrderDays::write(const std::string &dayPath)
{
	const OutOfOrderDay next{ dayPath, newToken() };
	try {
		const int dir = folder();
		// New first, made durable, then the old one goes: a crash in between leaves two
		// tokens, which the next start replaces by a third; never none.
		UniqueFd fd(::openat(dir, next.fileName().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
		throwErrnoIf(!fd, std::string("create ") + kOutOfOrderFolder + "/" + next.fileName());
		fd.reset();
		std::string old;
		if (auto it = days_.find(dayPath); it != days_.end())
			old = it->second;
		days_[dayPath] = next.token;
		fsyncDir(dir, kOutOfOrderFolder);
		if (!old.empty())
			::unlinkat(dir, OutOfOrderDay{ dayPath, old }.fileName().c_str(), 0);
	} catch (const SystemError &e) {
		failed(e.what(), e.code());
		pending_.insert(dayPath);
		return false;
	}
	pending_.erase(dayPath);
	lastError_.clear();
	return true;
}

void OutOfOrderDays::mark(const std::string &dayPath)
{
	const bool fresh = !marked(dayPath);
	retryPending();
	if (write(dayPath) && fresh)
		log_->info("frames out of time order in a day: viewers list it in full day={}", dayPath);
}

void OutOfOrderDays::retryPending()
{
	const std::set<std::string> days = pending_;
	for (const std::string &day : days)
		write(day);
}

void OutOfOrderDays::retire(const std::string &dayPath)
{
	pending_.erase(dayPath);
	auto it = days_.find(dayPath);
	if (it == days_.end())
		return;
	const std::string name = OutOfOrderDay{ dayPath, it->second }.fileName();
	days_.erase(it);
	// A mark that stays (the disk refused the unlink) costs viewers a listing, nothing more;
	// the next start gives it a token no one has confirmed.
	if (dirFd_ && ::unlinkat(dirFd_.get(), name.c_str(), 0) != 0 && errno != ENOENT)
		log_->warn("cannot remove {}/{}: {}", kOutOfOrderFolder, name, std::strerror(errno));
}

} // namespace lingercam::common
