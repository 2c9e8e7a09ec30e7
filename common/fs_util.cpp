// SPDX-License-Identifier: BSD-2-Clause
// File system helpers: owned descriptors, fsync, atomic write and symlink swap (see fs_util.h).
#include "fs_util.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "store_layout.h"

namespace lingercam::common {

UniqueFd &UniqueFd::operator=(UniqueFd &&other) noexcept
{
	if (this != &other)
		reset(std::exchange(other.fd_, -1));
	return *this;
}

UniqueFd::~UniqueFd()
{
	reset();
}

void UniqueFd::reset(int fd)
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = fd;
}

UniqueFd openDir(int dirFd, const std::string &path)
{
	int fd = ::openat(dirFd, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	throwErrnoIf(fd < 0, "open folder " + path);
	return UniqueFd(fd);
}

UniqueFd makeDirs(int dirFd, const std::string &relative)
{
	UniqueFd current(::fcntl(dirFd, F_DUPFD_CLOEXEC, 0));
	throwErrnoIf(!current, "dup folder descriptor");
	std::size_t pos = 0;
	while (pos < relative.size()) {
		std::size_t slash = relative.find('/', pos);
		if (slash == std::string::npos)
			slash = relative.size();
		std::string part = relative.substr(pos, slash - pos);
		pos = slash + 1;
		if (part.empty())
			continue;
		if (::mkdirat(current.get(), part.c_str(), 0755) == 0) {
			fsyncDir(current.get(), "parent of " + relative);
		} else if (errno != EEXIST) {
			throw SystemError("create folder " + relative, errno);
		}
		current = openDir(current.get(), part);
	}
	return current;
}

void fsyncDir(int dirFd, const std::string &what)
{
	throwErrnoIf(::fsync(dirFd) != 0, "fsync folder " + what);
}

void writeAll(int fd, std::span<const std::uint8_t> data, const std::string &what)
{
	const std::uint8_t *p = data.data();
	std::size_t left = data.size();
	while (left > 0) {
		ssize_t n = ::write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		throwErrnoIf(n < 0, "write " + what);
		p += n;
		left -= static_cast<std::size_t>(n);
	}
}

void writeFileAtomic(int dirFd, const std::string &name, std::span<const std::uint8_t> data, const std::string &what)
{
	const std::string tmp = tempName(name);
	::unlinkat(dirFd, tmp.c_str(), 0); // a leftover from a crash
	UniqueFd fd(::openat(dirFd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
	throwErrnoIf(!fd, "create " + what + " (temporary " + tmp + ")");
	try {
		writeAll(fd.get(), data, what);
		throwErrnoIf(::fsync(fd.get()) != 0, "fsync " + what);
		fd.reset();
		throwErrnoIf(::renameat(dirFd, tmp.c_str(), dirFd, name.c_str()) != 0, "rename into place " + what);
	} catch (...) {
		::unlinkat(dirFd, tmp.c_str(), 0);
		throw;
	}
	fsyncDir(dirFd, what);
}

void writeFileAtomic(const std::filesystem::path &path, const std::string &content)
{
	std::filesystem::path parent = path.parent_path().empty() ? "." : path.parent_path();
	UniqueFd dir = openDir(AT_FDCWD, parent.string());
	writeFileAtomic(dir.get(), path.filename().string(),
			std::span(reinterpret_cast<const std::uint8_t *>(content.data()), content.size()), path.string());
}

void replaceSymlink(int dirFd, const std::string &name, const std::string &target, const std::string &what)
{
	const std::string tmp = tempName(name);
	::unlinkat(dirFd, tmp.c_str(), 0);
	throwErrnoIf(::symlinkat(target.c_str(), dirFd, tmp.c_str()) != 0, "create symlink " + what);
	if (::renameat(dirFd, tmp.c_str(), dirFd, name.c_str()) != 0) {
		int err = errno;
		::unlinkat(dirFd, tmp.c_str(), 0);
		throw SystemError("replace symlink " + what, err);
	}
	fsyncDir(dirFd, what);
}

std::string readSmallFile(int dirFd, const std::string &name, bool &exists)
{
	exists = false;
	UniqueFd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
	if (!fd) {
		if (errno == ENOENT)
			return {};
		throw SystemError("open " + name, errno);
	}
	exists = true;
	std::string out;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		throwErrnoIf(n < 0, "read " + name);
		if (n == 0 || out.size() > 65536)
			break;
		out.append(buf, static_cast<std::size_t>(n));
	}
	return out;
}

} // namespace lingercam::common
