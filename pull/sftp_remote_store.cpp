#include "sftp_remote_store.h"

#include <algorithm>
#include <deque>
#include <map>

#include <spdlog/spdlog.h>

#include "sftp_channel.h"
#include "sftp_replies.h"
#include "ssh_error.h"

namespace lingercam::pull {

namespace {

RemoteEntry toEntry(std::string name, const SftpAttrs &a)
{
	RemoteEntry e;
	e.name = std::move(name);
	e.type = a.isRegular() ? EntryType::Regular
		 : a.isDirectory() ? EntryType::Directory
		 : a.isSymlink()   ? EntryType::Symlink
				   : EntryType::Other;
	e.size = a.size;
	e.mtime = a.mtime;
	return e;
}

/// One file of a fetch() call while it is open on the server.
struct OpenFile {
	std::size_t index = 0;
	std::string handle;
	bool opened = false;
	bool finished = false;    ///< done or failed; late replies are ignored
	std::uint64_t end = 0;    ///< listed size
	std::uint64_t next = 0;   ///< next offset to request
	std::uint64_t missing = 0; ///< bytes in [offset, end) not received yet
	bool eofSeen = false;     ///< the server showed the file ends at `end`
	unsigned reads = 0;       ///< read requests in flight
	/// The sink has every byte before this offset, each once and in order.
	std::uint64_t delivered = 0;
	/// Replies that arrived before the bytes in front of them (reordered replies, or reads
	/// past a short one): held until those come. They count as bytes in flight until they
	/// reach the sink, so all files together hold at most FetchTuning::maxInFlight.
	std::map<std::uint64_t, std::vector<std::uint8_t>> early;
};

} // namespace

SftpRemoteStore::SftpRemoteStore(std::unique_ptr<SftpChannel> sftp, std::string root, FetchTuning tuning)
	: sftp_(std::move(sftp)), root_(std::move(root)), tuning_(tuning)
{
	while (root_.size() > 1 && root_.back() == '/')
		root_.pop_back();
}

SftpRemoteStore::~SftpRemoteStore() = default;

std::string SftpRemoteStore::describe() const
{
	return sftp_->peer() + ":" + root_;
}

std::string SftpRemoteStore::full(const std::string &relative) const
{
	if (relative.empty())
		return root_.empty() ? "." : root_;
	return root_.empty() ? relative : root_ + "/" + relative;
}

std::optional<std::string> SftpRemoteStore::readLink(const std::string &path)
{
	return sftp_->readlink(full(path));
}

std::vector<std::optional<RemoteEntry>> SftpRemoteStore::lstatMany(const std::vector<std::string> &paths)
{
	std::vector<std::optional<RemoteEntry>> out(paths.size());
	std::string error;
	SftpChannel::CallbackScope scope(*sftp_);
	for (std::size_t i = 0; i < paths.size(); ++i) {
		sftp_->send(SftpType::Lstat, SftpPacket().string(full(paths[i])), [&, i](const SftpChannel::Reply &r) {
			if (r.type == SftpType::Attrs) {
				std::string_view path = paths[i];
				std::size_t slash = path.rfind('/');
				out[i] = toEntry(std::string(slash == std::string_view::npos ? path : path.substr(slash + 1)),
						 sftp::parseAttrs(r.body));
			} else if (SftpChannel::statusCode(r) != kSftpNoSuchFile && error.empty()) {
				try {
					SftpChannel::checkStatus(r, "lstat " + paths[i]);
				} catch (const SshError &e) {
					error = e.what();
				}
			}
		});
	}
	sftp_->drain();
	if (!error.empty())
		throwSsh(SshError::Kind::Remote, kSftpFailure, "lstat", error);
	return out;
}

std::optional<std::vector<RemoteEntry>> SftpRemoteStore::list(const std::string &path)
{
	auto names = sftp_->listDir(full(path));
	if (!names)
		return std::nullopt;
	std::vector<RemoteEntry> out;
	out.reserve(names->size());
	for (SftpName &n : *names)
		out.push_back(toEntry(std::move(n.name), n.attrs));
	return out;
}

void SftpRemoteStore::writeFile(const std::string &path, std::string_view content)
{
	sftp_->writeFileAtomic(full(path), content);
}

void SftpRemoteStore::fetch(std::span<const FetchItem> items, FetchSink &sink)
{
	const std::uint64_t maxRequest = tuning_.maxRequest ? std::min(tuning_.maxRequest, sftp_->maxRead()) : sftp_->maxRead();
	unsigned maxOpen = std::max(1u, tuning_.maxOpenFiles);
	if (sftp_->maxOpenHandles() > 8)
		maxOpen = static_cast<unsigned>(std::min<std::uint64_t>(maxOpen, sftp_->maxOpenHandles() / 2));

	// Files in the order they were opened; reads go to the front-most ones first so the
	// server streams file after file while opens for the next ones are already queued.
	SftpChannel::CallbackScope scope(*sftp_); // on an exception, the callbacks below are dropped unrun
	std::deque<OpenFile> open;
	std::size_t nextItem = 0;
	// Bytes requested and not yet handed to the sink: in flight, or parked in an `early` map
	// while the bytes in front of them are still missing.
	std::uint64_t inFlight = 0;
	bool stopping = false;

	auto finish = [&](OpenFile &f) {
		f.finished = true;
		for (const auto &[offset, bytes] : f.early)
			inFlight -= bytes.size();
		f.early.clear();
		if (f.opened)
			sftp_->send(SftpType::Close, SftpPacket().string(f.handle), {});
	};
	auto fail = [&](OpenFile &f, const std::string &why, bool gone) {
		if (f.finished)
			return;
		finish(f);
		sink.failed(f.index, why, gone);
	};
	auto maybeDone = [&](OpenFile &f) {
		if (!f.finished && f.missing == 0 && f.eofSeen && f.delivered == f.end) {
			finish(f);
			sink.done(f.index);
		}
	};

	// Bytes reach the sink only at the offset it has reached: each byte once, in order,
	// whatever order the replies come in.
	auto deliver = [&](OpenFile &f, std::uint64_t offset, std::span<const std::uint8_t> bytes) {
		if (offset != f.delivered) {
			if (f.early.emplace(offset, std::vector<std::uint8_t>(bytes.begin(), bytes.end())).second)
				inFlight += bytes.size();
			return;
		}
		sink.data(f.index, offset, bytes);
		f.delivered += bytes.size();
		for (auto it = f.early.begin(); it != f.early.end() && it->first == f.delivered; it = f.early.erase(it)) {
			sink.data(f.index, it->first, it->second);
			f.delivered += it->second.size();
			inFlight -= it->second.size();
		}
	};

	std::function<void(OpenFile &, std::uint64_t, std::uint64_t)> requestRead;
	requestRead = [&](OpenFile &file, std::uint64_t offset, std::uint64_t len) {
		OpenFile *f = &file; // deque elements stay put while others are added at the back
		++f->reads;
		inFlight += len;
		sftp_->send(SftpType::Read, SftpPacket().string(f->handle).u64(offset).u32(static_cast<std::uint32_t>(len)),
			    [&, f, offset, len](const SftpChannel::Reply &r) {
				    --f->reads;
				    inFlight -= len;
				    if (f->finished)
					    return;
				    const FetchItem &item = items[f->index];
				    if (r.type == SftpType::Data) {
					    auto bytes = sftp::parseData(r.body);
					    if (bytes.size() > len)
						    return fail(*f, "server sent more than asked", false);
					    // Asked again, an empty answer would be empty again: a livelock
					    // no timeout ends. The end of a file is a STATUS EOF.
					    if (bytes.empty())
						    throwSsh(SshError::Kind::Protocol, 0, "read " + item.path,
							     "the server sent no bytes at offset " + std::to_string(offset) +
								     " instead of data or end of file");
					    if (offset + bytes.size() > f->end)
						    return fail(*f, "file grew while being fetched (listed " +
									    std::to_string(f->end) + " bytes)",
							        false);
					    deliver(*f, offset, bytes);
					    f->missing -= bytes.size();
					    std::uint64_t got = offset + bytes.size();
					    if (bytes.size() < len) {
						    // A short read right at the listed size proves the end of the
						    // file only if the server said its read limit; else ask past
						    // the end, where a STATUS EOF proves it.
						    if (got == f->end && sftp_->maxReadKnown())
							    f->eofSeen = true;
						    else if (got == f->end)
							    requestRead(*f, got, 1);
						    else if (got < f->end)
							    requestRead(*f, got, std::min(len - bytes.size(), f->end + 1 - got));
					    }
					    maybeDone(*f);
					    return;
				    }
				    std::uint32_t code = SftpChannel::statusCode(r);
				    if (r.type == SftpType::Status && code == kSftpOk)
					    throwSsh(SshError::Kind::Protocol, 0, "read " + item.path,
						     "the server answered a read with OK and no data");
				    if (code == kSftpEof) {
					    if (offset < f->end)
						    return fail(*f, "file shrank while being fetched (listed " +
									    std::to_string(f->end) + " bytes, ends at " +
									    std::to_string(offset) + ")",
							        false);
					    f->eofSeen = true;
					    maybeDone(*f);
					    return;
				    }
				    try {
					    SftpChannel::checkStatus(r, "read " + item.path);
				    } catch (const SshError &e) {
					    fail(*f, e.what(), false);
				    }
			    });
	};

	auto issueReads = [&]() {
		for (OpenFile &f : open) {
			if (!f.opened || f.finished)
				continue;
			// Request up to one byte past the listed size: a short answer there proves the
			// file ends where the listing said, without a separate stat.
			while (f.next <= f.end && inFlight < tuning_.maxInFlight) {
				std::uint64_t len = std::min<std::uint64_t>(maxRequest, f.end + 1 - f.next);
				std::uint64_t offset = f.next;
				f.next += len;
				requestRead(f, offset, len);
			}
			if (inFlight >= tuning_.maxInFlight)
				return;
		}
	};

	auto openMore = [&]() {
		while (!stopping && nextItem < items.size() && open.size() < maxOpen) {
			if (!sink.keepGoing()) {
				stopping = true;
				break;
			}
			const FetchItem &item = items[nextItem];
			open.push_back(OpenFile{});
			OpenFile *f = &open.back();
			f->index = nextItem++;
			f->end = item.size;
			f->next = std::min(item.offset, item.size);
			f->delivered = f->next;
			f->missing = item.size - f->next;
			sftp_->send(SftpType::Open, SftpPacket().string(full(item.path)).u32(kSftpOpenRead).u32(0),
				    [&, f](const SftpChannel::Reply &r) {
					    if (r.type == SftpType::Handle) {
						    f->handle = sftp::parseHandle(r.body);
						    f->opened = true;
						    return;
					    }
					    std::uint32_t code = SftpChannel::statusCode(r);
					    try {
						    SftpChannel::checkStatus(r, "open " + items[f->index].path);
						    fail(*f, "unexpected answer to open", false);
					    } catch (const SshError &e) {
						    fail(*f, e.what(), code == kSftpNoSuchFile);
					    }
				    });
		}
	};

	openMore();
	while (!open.empty()) {
		issueReads();
		sftp_->pump();
		while (!open.empty() && open.front().finished && open.front().reads == 0)
			open.pop_front();
		openMore();
	}
	// Closes of the last files are still in flight: collect their answers.
	sftp_->drain();
}

} // namespace lingercam::pull
