// SPDX-License-Identifier: MIT
// The camera store's record of days holding frames out of time order (.out-of-order/).
#include "out_of_order_days.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "error.h"
#include "frame_name.h"
#include "logging.h"

namespace lingercam::common {

OutOfOrderDays::OutOfOrderDays(int storeRootFd) : rootFd_(storeRootFd), log_(logger("store"))
{
	UniqueFd dir(::openat(rootFd_, kOutOfOrderFolder, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!dir) {
		throwErrnoIf(errno != ENOENT, std::string("open ") + kOutOfOrderFolder);
		return;
	}
	std::map<std::string, std::vector<std::string>> found;
	{
		int fd = ::dup(dir.get());
		throwErrnoIf(fd < 0, "dup");
		DIR *d = ::fdopendir(fd);
		if (!d) {
			::close(fd);
			throw SystemError(std::string("list ") + kOutOfOrderFolder, errno);
		}
		while (dirent *e = ::readdir(d))
			if (auto day = parseOutOfOrderFileName(e->d_name))
				found[day->dayPath].push_back(day->fileName());
		::closedir(d);
	}
	dirFd_ = std::move(dir);
	for (auto &[day, names] : found) {
		if (names.size() == 1) {
			days_[day] = parseOutOfOrderFileName(names.front())->token;
			continue;
		}
		// Which token came last is not known: a new one supersedes them all.
		mark(day);
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
	return it == days_.end() ? nullptr : &it->second;
}

void OutOfOrderDays::mark(const std::string &dayPath)
{
	const int dir = folder();
	OutOfOrderDay next{ dayPath, newToken() };
	// New first, made durable, then the old one goes: a crash in between leaves two tokens,
	// which the next start replaces by a third; never none.
	UniqueFd fd(::openat(dir, next.fileName().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
	throwErrnoIf(!fd, std::string("create ") + kOutOfOrderFolder + "/" + next.fileName());
	fd.reset();
	fsyncDir(dir, kOutOfOrderFolder);
	auto it = days_.find(dayPath);
	if (it != days_.end()) {
		::unlinkat(dir, OutOfOrderDay{ dayPath, it->second }.fileName().c_str(), 0);
		it->second = next.token;
	} else {
		days_.emplace(dayPath, next.token);
		log_->info("frames out of time order in a day: viewers list it in full day={}", dayPath);
	}
}

void OutOfOrderDays::retire(const std::string &dayPath)
{
	auto it = days_.find(dayPath);
	if (it == days_.end())
		return;
	if (::unlinkat(folder(), OutOfOrderDay{ dayPath, it->second }.fileName().c_str(), 0) != 0 && errno != ENOENT)
		log_->warn("cannot remove {}/{}: {}", kOutOfOrderFolder, OutOfOrderDay{ dayPath, it->second }.fileName(),
			   std::strerror(errno));
	days_.erase(it);
}

} // namespace lingercam::common
