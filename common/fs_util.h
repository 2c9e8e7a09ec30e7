// SPDX-License-Identifier: BSD-2-Clause
// File system helpers: owned descriptors, fsync, atomic write and symlink swap.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>

namespace lingercam::common {

/// An owned file descriptor.
class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	UniqueFd(UniqueFd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept;
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	~UniqueFd();

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	void reset(int fd = -1);

private:
	int fd_ = -1;
};

/// Opens a directory (O_DIRECTORY | O_CLOEXEC) relative to \a dirFd; throws SystemError.
UniqueFd openDir(int dirFd, const std::string &path);
/// Creates each missing component of \a relative below \a dirFd, fsyncing each parent that
/// gained an entry so the new folder survives power loss; returns the last one opened.
UniqueFd makeDirs(int dirFd, const std::string &relative);
/// fsync a directory; throws SystemError.
void fsyncDir(int dirFd, const std::string &what);
/// Writes all of \a data to \a fd; throws SystemError naming \a what.
void writeAll(int fd, std::span<const std::uint8_t> data, const std::string &what);

/// Writes \a data to \a dirFd/\a name atomically: tempName(name) in the same folder, fsync,
/// rename over \a name, fsync the folder. A reader sees the old or the new file, never a
/// torn one.
void writeFileAtomic(int dirFd, const std::string &name, std::span<const std::uint8_t> data,
		     const std::string &what);
void writeFileAtomic(const std::filesystem::path &path, const std::string &content);

/// Points \a dirFd/\a name at \a target: a new symlink under tempName(name) renamed over
/// the old one, then the folder fsynced.
void replaceSymlink(int dirFd, const std::string &name, const std::string &target, const std::string &what);

/// Reads a small file whole; nullopt-like empty result with \a ok false when it does not exist.
std::string readSmallFile(int dirFd, const std::string &name, bool &exists);

} // namespace lingercam::common
