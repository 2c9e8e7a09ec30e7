#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lingercam::pull {

/// The kind of a remote folder entry, as lstat sees it (symlinks are not followed).
enum class EntryType { Regular, Directory, Symlink, Other };

struct RemoteEntry {
	std::string name;
	EntryType type = EntryType::Other;
	std::uint64_t size = 0;
	std::int64_t mtime = 0;
};

/// One file to fetch: its store-relative path, the size the listing gave, and where to
/// start (the length of a local partial file being resumed).
struct FetchItem {
	std::string path;
	std::uint64_t size = 0;
	std::uint64_t offset = 0;
};

/// Receives fetched bytes. Called on the fetching thread.
class FetchSink {
public:
	virtual ~FetchSink() = default;
	/// Bytes of item \a index at \a offset (each byte once, in order within an item).
	virtual void data(std::size_t index, std::uint64_t offset, std::span<const std::uint8_t> bytes) = 0;
	/// Item \a index is complete: exactly its listed size, and the remote file ended there.
	virtual void done(std::size_t index) = 0;
	/// Item \a index could not be fetched; \a gone when the remote file no longer exists.
	virtual void failed(std::size_t index, const std::string &reason, bool gone) = 0;
	/// Asked before each new file is started; false stops starting new ones (shutdown).
	virtual bool keepGoing() { return true; }
};

/// The camera host's store, reached over one connection. Paths are relative to the store's
/// root and are built by the caller from validated names only.
class RemoteStore {
public:
	virtual ~RemoteStore() = default;

	/// "user@host:port:path" for log lines.
	virtual std::string describe() const = 0;
	/// The target of a symlink, nullopt if \a path does not exist.
	virtual std::optional<std::string> readLink(const std::string &path) = 0;
	/// lstat of several paths at once (one round trip); nullopt for a missing one.
	virtual std::vector<std::optional<RemoteEntry>> lstatMany(const std::vector<std::string> &paths) = 0;
	/// A folder's entries with their lstat attributes ("" is the root); nullopt if missing.
	virtual std::optional<std::vector<RemoteEntry>> list(const std::string &path) = 0;
	/// Fetches \a items with many requests in flight, reporting to \a sink. Throws SshError
	/// when the connection fails; per-file problems go to FetchSink::failed().
	virtual void fetch(std::span<const FetchItem> items, FetchSink &sink) = 0;
	/// Replaces \a path atomically with \a content (temporary file, then rename over it).
	virtual void writeFile(const std::string &path, std::string_view content) = 0;
	// A stop request or the round's deadline ends any call in progress soon: the store is
	// made with the round's RoundLimits (connectSftpStore).
};

} // namespace lingercam::pull
