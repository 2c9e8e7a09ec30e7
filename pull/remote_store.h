// SPDX-License-Identifier: BSD-2-Clause
// The remote store seam: a camera host's store as pull lists and fetches it, pipelined.
#pragma once

#include <chrono>
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

/// One file to fetch: the caller's id for it, its store-relative path, the size the listing
/// gave, and where to start (the length of a local partial file being resumed).
struct FetchItem {
	std::string path;
	std::uint64_t size = 0;
	std::uint64_t offset = 0;
	std::size_t id = 0;
	/// False: the size is still being checked (an lstat in flight). The file is opened at
	/// once and read only when FetchQueue::sizeOf() gives the size, a round trip saved.
	bool sizeKnown = true;
};

/// Receives fetched bytes. Called on the fetching thread.
class FetchSink {
public:
	virtual ~FetchSink() = default;
	/// Bytes of item \a id at \a offset (each byte once, in order within an item).
	virtual void data(std::size_t id, std::uint64_t offset, std::span<const std::uint8_t> bytes) = 0;
	/// Item \a id is complete: exactly its listed size, and the remote file ended there.
	virtual void done(std::size_t id) = 0;
	/// Item \a id could not be fetched; \a gone when the remote file no longer exists.
	virtual void failed(std::size_t id, const std::string &reason, bool gone) = 0;
	/// Asked before each new file is started; false stops starting new ones (shutdown).
	virtual bool keepGoing() { return true; }
};

/// A fetch that runs for as long as its owner has work: items are taken from next() while
/// the pipeline has room, so the pipeline never drains between batches.
class FetchQueue : public FetchSink {
public:
	/// The next file to start, if one is ready (asked again at every pump while empty).
	virtual std::optional<FetchItem> next() = 0;
	enum class Size { Pending, Known, Cancelled };
	/// For an item started with sizeKnown false: its size once the check is in (Known, with
	/// \a size and where to start, \a offset, set), or Cancelled (the check refused it: the
	/// file is closed unread, and no verdict follows).
	virtual Size sizeOf(std::size_t /*id*/, std::uint64_t & /*size*/, std::uint64_t & /*offset*/)
	{
		return Size::Cancelled;
	}
};

/// The camera host's store, reached over one connection. Paths are relative to the store's
/// root and are built by the caller from validated names only.
///
/// Requests are asynchronous, so that one connection carries many at once: each call
/// queues its request and returns; its callback runs from pump() when the answer is in.
/// Any number may be in flight, and a fetch runs beside them. The blocking helpers below
/// issue one request and pump until it is answered.
class RemoteStore {
public:
	virtual ~RemoteStore() = default;

	/// "user@host:port:path" for log lines.
	virtual std::string describe() const = 0;

	using LinkCallback = std::function<void(std::optional<std::string>)>;
	using LstatCallback = std::function<void(std::vector<std::optional<RemoteEntry>>)>;
	using ListCallback = std::function<void(std::optional<std::vector<RemoteEntry>>)>;
	/// The target of a symlink, nullopt if \a path does not exist.
	virtual void requestLink(const std::string &path, LinkCallback done) = 0;
	/// lstat of several paths (one round trip); nullopt for a missing one.
	virtual void requestLstat(std::vector<std::string> paths, LstatCallback done) = 0;
	/// A folder's entries with their lstat attributes ("" is the root); nullopt if missing.
	virtual void requestList(const std::string &path, ListCallback done) = 0;
	/// Replaces \a path atomically with \a content (temporary file, then rename over it).
	virtual void requestWrite(const std::string &path, std::string content, std::function<void()> done) = 0;
	/// Creates the temporary file of a later requestWrite() of \a path now, so that the write
	/// itself takes one round trip. unprepareWrite() closes it if no write followed, and leaves
	/// it (empty) for the next write to reuse: pull never deletes on the camera host, so a key
	/// paired with lingercam-install --pair may be refused the SFTP remove request.
	virtual void prepareWrite(const std::string & /*path*/) {}
	virtual void unprepareWrite(const std::string & /*path*/) {}
	/// Starts fetching from \a queue, with many requests in flight; it runs, from pump(),
	/// until stopFetching(). Per-file problems go to FetchSink::failed().
	virtual void startFetching(FetchQueue &queue) = 0;
	virtual void stopFetching() = 0;
	/// Files the running fetch has started and not finished.
	virtual std::size_t fetching() const = 0;

	/// Sends what is queued and waits until at least one answer was handled (returns at
	/// once when nothing is in flight), or \a wait passed. Throws SshError when the
	/// connection fails.
	virtual void pump(std::optional<std::chrono::milliseconds> wait = std::nullopt) = 0;
	/// Requests in flight or files being fetched.
	virtual bool busy() const = 0;
	// A stop request or the round's deadline ends any call in progress soon: the store is
	// made with the round's RoundLimits (connectSftpStore).

	// Blocking helpers.
	std::optional<std::string> readLink(const std::string &path);
	std::vector<std::optional<RemoteEntry>> lstatMany(const std::vector<std::string> &paths);
	std::optional<std::vector<RemoteEntry>> list(const std::string &path);
	void writeFile(const std::string &path, std::string_view content);
	/// Fetches \a items (ids are their indices), reporting to \a sink.
	void fetch(std::span<const FetchItem> items, FetchSink &sink);
};

} // namespace lingercam::pull
