// SPDX-License-Identifier: BSD-2-Clause
// RemoteStore over SFTP, every request pipelined (see sftp_remote_store.h).
#include "sftp_remote_store.h"

#include <algorithm>
#include <iterator>

#include <spdlog/spdlog.h>

#include "common/store_layout.h"
#include "memory_budget.h"
#include "sftp_channel.h"
#include "sftp_replies.h"
#include "ssh_error.h"

namespace lingercam::pull {

namespace {

constexpr std::uint32_t kOpenWrite = 0x02;
constexpr std::uint32_t kOpenCreate = 0x08;
constexpr std::uint32_t kOpenTruncate = 0x10;
constexpr std::uint32_t kAttrPermissions = 0x04;

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

} // namespace

/// A folder being listed: READDIRs pipelined on its handle.
struct SftpRemoteStore::Listing {
	std::string path;
	RemoteStore::ListCallback done;
	std::string handle;
	std::vector<SftpName> names;
	std::size_t bytes = 0;
	unsigned reads = 0;
	bool eof = false;
	bool finished = false;
};

/// The temporary file of a replace-by-rename, opened ahead of the write.
struct SftpRemoteStore::Prepared {
	std::string tmp;
	std::string handle;
	bool opened = false;
	bool discard = false; ///< unprepared before it was open: close it when it is
	std::optional<std::string> content;
	std::function<void()> done;
};

SftpRemoteStore::SftpRemoteStore(std::unique_ptr<SftpChannel> sftp, std::string root, FetchTuning tuning)
	: sftp_(std::move(sftp)), root_(std::move(root)), tuning_(tuning)
{
	while (root_.size() > 1 && root_.back() == '/')
		root_.pop_back();
}

SftpRemoteStore::~SftpRemoteStore()
{
	if (tuning_.budget)
		tuning_.budget->give(budgetHeld_);
}

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

bool SftpRemoteStore::busy() const
{
	return sftp_->outstanding() > 0 || !open_.empty();
}

void SftpRemoteStore::pump(std::optional<std::chrono::milliseconds> wait)
{
	// A file leaves the pipeline once no reply can refer to it any more.
	auto retire = [this] {
		while (!open_.empty() && open_.front().finished && open_.front().reads == 0 && !open_.front().opening &&
		       !open_.front().closing)
			open_.pop_front();
	};
	retire();
	refill();
	if (sftp_->outstanding() == 0)
		return;
	sftp_->pump(wait);
	retire();
	refill();
	sftp_->flush();
}

void SftpRemoteStore::requestLink(const std::string &path, LinkCallback done)
{
	sftp_->send(SftpType::Readlink, SftpPacket().string(full(path)), [path, done = std::move(done)](const SftpChannel::Reply &r) {
		if (r.type == SftpType::Status && SftpChannel::statusCode(r) == kSftpNoSuchFile)
			return done(std::nullopt);
		if (r.type != SftpType::Name)
			SftpChannel::checkStatus(r, "readlink " + path);
		std::vector<SftpName> names = sftp::parseNames(r.body);
		if (names.empty())
			throwSsh(SshError::Kind::Protocol, 0, "readlink " + path, "empty answer");
		done(std::move(names.front().name));
	});
}

void SftpRemoteStore::requestLstat(std::vector<std::string> paths, LstatCallback done)
{
	struct State {
		std::vector<std::string> paths;
		std::vector<std::optional<RemoteEntry>> out;
		std::size_t answered = 0;
		LstatCallback done;
	};
	auto state = std::make_shared<State>();
	state->out.resize(paths.size());
	state->paths = std::move(paths);
	state->done = std::move(done);
	if (state->paths.empty())
		throw std::logic_error("requestLstat of no paths");
	for (std::size_t i = 0; i < state->paths.size(); ++i) {
		sftp_->send(SftpType::Lstat, SftpPacket().string(full(state->paths[i])), [state, i](const SftpChannel::Reply &r) {
			const std::string &path = state->paths[i];
			if (r.type == SftpType::Attrs) {
				std::size_t slash = path.rfind('/');
				state->out[i] = toEntry(slash == std::string::npos ? path : path.substr(slash + 1),
							sftp::parseAttrs(r.body));
			} else if (SftpChannel::statusCode(r) != kSftpNoSuchFile) {
				SftpChannel::checkStatus(r, "lstat " + path);
				throwSsh(SshError::Kind::Protocol, 0, "lstat " + path, "the server answered OK and no attributes");
			}
			if (++state->answered == state->paths.size())
				state->done(std::move(state->out));
		});
	}
}

void SftpRemoteStore::requestList(const std::string &path, ListCallback done)
{
	auto listing = std::make_shared<Listing>();
	listing->path = path;
	listing->done = std::move(done);
	sftp_->send(SftpType::Opendir, SftpPacket().string(full(path)), [this, listing](const SftpChannel::Reply &r) {
		if (r.type == SftpType::Status && SftpChannel::statusCode(r) == kSftpNoSuchFile) {
			listing->finished = true;
			return listing->done(std::nullopt);
		}
		if (r.type != SftpType::Handle)
			SftpChannel::checkStatus(r, "open folder " + full(listing->path));
		if (r.type != SftpType::Handle)
			throwSsh(SshError::Kind::Protocol, 0, "open folder " + full(listing->path), "the server answered OK and no handle");
		listing->handle = sftp::parseHandle(r.body);
		for (unsigned i = 0; i < kReaddirsAhead; ++i)
			readdirMore(listing);
	});
}

void SftpRemoteStore::readdirMore(const std::shared_ptr<Listing> &listing)
{
	++listing->reads;
	sftp_->send(SftpType::Readdir, SftpPacket().string(listing->handle), [this, listing](const SftpChannel::Reply &r) {
		--listing->reads;
		const std::string what = "list folder " + full(listing->path);
		if (r.type == SftpType::Status) {
			if (SftpChannel::statusCode(r) != kSftpEof)
				SftpChannel::checkStatus(r, what);
			if (SftpChannel::statusCode(r) == kSftpOk)
				throwSsh(SshError::Kind::Protocol, 0, what, "the server answered OK and no names");
			listing->eof = true;
		} else if (r.type == SftpType::Name) {
			listing->bytes += r.body.size();
			listingBytes_ += r.body.size();
			std::vector<SftpName> batch = sftp::parseNames(r.body);
			listingEntries_ += batch.size();
			// One bound for all listings in flight together, as for one alone.
			if (listingEntries_ > sftp::kMaxListingEntries || listingBytes_ > sftp::kMaxListingBytes)
				throwSsh(SshError::Kind::Protocol, 0, what,
					 "the listing passed " + std::to_string(sftp::kMaxListingEntries) + " entries or " +
						 std::to_string(sftp::kMaxListingBytes >> 20) + " MiB without ending");
			std::move(batch.begin(), batch.end(), std::back_inserter(listing->names));
			// A batch answered in full, and no end yet: the next batch. (Topping up one by
			// one would send a READDIR past the end just before the EOFs arrive, and wait a
			// round trip for its answer.)
			if (!listing->eof && listing->reads == 0)
				for (unsigned i = 0; i < kReaddirsAhead; ++i)
					readdirMore(listing);
		} else {
			throwSsh(SshError::Kind::Protocol, 0, what, "unexpected reply");
		}
		finishListing(listing);
	});
}

void SftpRemoteStore::finishListing(const std::shared_ptr<Listing> &listing)
{
	// Names that answer a READDIR sent before the end count, whatever order they came in.
	if (!listing->eof || listing->reads > 0 || listing->finished)
		return;
	listing->finished = true;
	listingBytes_ -= listing->bytes;
	listingEntries_ -= listing->names.size();
	sftp_->send(SftpType::Close, SftpPacket().string(listing->handle), {});
	std::vector<RemoteEntry> out;
	out.reserve(listing->names.size());
	for (SftpName &n : listing->names)
		out.push_back(toEntry(std::move(n.name), n.attrs));
	listing->names = {};
	listing->done(std::move(out));
}

void SftpRemoteStore::prepareWrite(const std::string &path)
{
	if (prepared_.count(path))
		return;
	auto prepared = std::make_shared<Prepared>();
	prepared->tmp = full(common::confirmationTempName(path)); // the viewer's own, as its confirmation
	prepared_[path] = prepared;
	sftp_->send(SftpType::Open,
		    SftpPacket().string(prepared->tmp).u32(kOpenWrite | kOpenCreate | kOpenTruncate).u32(kAttrPermissions).u32(0644),
		    [this, path, prepared](const SftpChannel::Reply &r) {
			    if (r.type != SftpType::Handle && !prepared->content) {
				    // Opened ahead, before anything needed it: the write itself tries
				    // again, and reports what goes wrong then.
				    if (auto it = prepared_.find(path); it != prepared_.end() && it->second == prepared)
					    prepared_.erase(it);
				    return;
			    }
			    if (r.type != SftpType::Handle)
				    SftpChannel::checkStatus(r, "create " + prepared->tmp);
			    if (r.type != SftpType::Handle)
				    throwSsh(SshError::Kind::Protocol, 0, "create " + prepared->tmp, "the server answered OK and no handle");
			    prepared->handle = sftp::parseHandle(r.body);
			    prepared->opened = true;
			    if (prepared->discard) {
				    sftp_->send(SftpType::Close, SftpPacket().string(prepared->handle), {});
			    } else if (prepared->content) {
				    sendWrite(path, prepared);
			    }
		    });
}

void SftpRemoteStore::unprepareWrite(const std::string &path)
{
	auto it = prepared_.find(path);
	if (it == prepared_.end() || it->second->content)
		return;
	std::shared_ptr<Prepared> prepared = it->second;
	prepared_.erase(it);
	if (!prepared->opened) {
		prepared->discard = true;
		return;
	}
	// Closed, not removed (remote_store.h): the next write opens it again, truncating it.
	sftp_->send(SftpType::Close, SftpPacket().string(prepared->handle), {});
}

void SftpRemoteStore::requestWrite(const std::string &path, std::string content, std::function<void()> done)
{
	while (!sftp_->versionKnown()) // the extensions it offers
		sftp_->pump();
	if (!sftp_->hasExtension("posix-rename@openssh.com"))
		throwSsh(SshError::Kind::Remote, kSftpOpUnsupported, "replace " + full(path),
			 "the server offers no posix-rename@openssh.com, so it cannot replace a file atomically");
	prepareWrite(path);
	std::shared_ptr<Prepared> prepared = prepared_[path];
	if (prepared->content)
		throw std::logic_error("a second write of " + path + " before the first was sent");
	prepared->content = std::move(content);
	prepared->done = std::move(done);
	if (prepared->opened)
		sendWrite(path, prepared);
}

void SftpRemoteStore::sendWrite(const std::string &path, const std::shared_ptr<Prepared> &prepared)
{
	prepared_.erase(path);
	// Write, fsync, close and rename go together, in one round trip: the server handles them
	// in order. A write that fails (a full disk) may leave the file empty or cut short; the
	// camera host reads such a ".pulled" as "pull runs and confirmed nothing" (never as "no
	// pull"), and a cut watermark is an earlier frame: either confirms less, never more.
	auto check = [prepared](const char *what) {
		return [prepared, what](const SftpChannel::Reply &r) {
			SftpChannel::checkStatus(r, std::string(what) + " " + prepared->tmp);
		};
	};
	const std::string &content = *prepared->content;
	sftp_->send(SftpType::Write,
		    SftpPacket().string(prepared->handle).u64(0).bytes(std::span(
			    reinterpret_cast<const std::uint8_t *>(content.data()), content.size())),
		    check("write"));
	if (sftp_->hasExtension("fsync@openssh.com"))
		sftp_->send(SftpType::Extended, SftpPacket().string("fsync@openssh.com").string(prepared->handle), check("fsync"));
	sftp_->send(SftpType::Close, SftpPacket().string(prepared->handle), check("close"));
	const std::string target = full(path);
	sftp_->send(SftpType::Extended, SftpPacket().string("posix-rename@openssh.com").string(prepared->tmp).string(target),
		    [prepared, target](const SftpChannel::Reply &reply) {
			    SftpChannel::checkStatus(reply, "rename " + prepared->tmp + " over " + target);
			    if (prepared->done)
				    prepared->done();
		    });
}

void SftpRemoteStore::startFetching(FetchQueue &queue)
{
	if (queue_)
		throw std::logic_error("a fetch is running already");
	queue_ = &queue;
	stopping_ = false;
	refill();
}

void SftpRemoteStore::stopFetching()
{
	// Files still open are let go: their replies are ignored, their handles closed.
	for (OpenFile &f : open_)
		if (!f.finished)
			finish(f);
	queue_ = nullptr;
}

void SftpRemoteStore::refill()
{
	if (!queue_)
		return;
	openMore();
	issueReads();
}

void SftpRemoteStore::finish(OpenFile &f)
{
	f.finished = true;
	for (const auto &[offset, bytes] : f.early)
		inFlight_ -= bytes.size();
	f.early.clear();
	if (f.opened && !f.closing && !sftp_->abandoned()) {
		f.closing = true;
		OpenFile *file = &f;
		sftp_->send(SftpType::Close, SftpPacket().string(f.handle), [file](const SftpChannel::Reply &) { file->closing = false; });
	}
}

void SftpRemoteStore::fail(OpenFile &f, const std::string &why, bool gone)
{
	if (f.finished)
		return;
	finish(f);
	if (queue_)
		queue_->failed(f.item.id, why, gone);
}

void SftpRemoteStore::maybeDone(OpenFile &f)
{
	if (!f.finished && f.item.sizeKnown && f.missing == 0 && f.eofSeen && f.delivered == f.end) {
		finish(f);
		if (queue_)
			queue_->done(f.item.id);
	}
}

// Bytes reach the sink only at the offset it has reached: each byte once, in order,
// whatever order the replies come in.
void SftpRemoteStore::deliver(OpenFile &f, std::uint64_t offset, std::span<const std::uint8_t> bytes)
{
	if (offset != f.delivered) {
		if (f.early.emplace(offset, std::vector<std::uint8_t>(bytes.begin(), bytes.end())).second)
			inFlight_ += bytes.size();
		return;
	}
	queue_->data(f.item.id, offset, bytes);
	f.delivered += bytes.size();
	for (auto it = f.early.begin(); it != f.early.end() && it->first == f.delivered; it = f.early.erase(it)) {
		queue_->data(f.item.id, it->first, it->second);
		f.delivered += it->second.size();
		inFlight_ -= it->second.size();
	}
}

void SftpRemoteStore::requestRead(OpenFile &file, std::uint64_t offset, std::uint64_t len)
{
	OpenFile *f = &file;
	++f->reads;
	inFlight_ += len;
	if (tuning_.budget) {
		// Room in the daemon's budget, taken by issueReads() (or now: a read past a short one).
		if (!tuning_.budget->tryTake(len))
			tuning_.budget->take(len);
		budgetHeld_ += len;
	}
	sftp_->send(SftpType::Read, SftpPacket().string(f->handle).u64(offset).u32(static_cast<std::uint32_t>(len)),
		    [this, f, offset, len](const SftpChannel::Reply &r) {
			    --f->reads;
			    inFlight_ -= len;
			    if (tuning_.budget) {
				    tuning_.budget->give(len);
				    budgetHeld_ -= len;
			    }
			    if (f->finished || !queue_)
				    return;
			    const FetchItem &item = f->item;
			    if (r.type == SftpType::Data) {
				    auto bytes = sftp::parseData(r.body);
				    if (bytes.size() > len)
					    return fail(*f, "server sent more than asked", false);
				    // Asked again, an empty answer would be empty again: a livelock no
				    // timeout ends. The end of a file is a STATUS EOF.
				    if (bytes.empty())
					    throwSsh(SshError::Kind::Protocol, 0, "read " + item.path,
						     "the server sent no bytes at offset " + std::to_string(offset) +
							     " instead of data or end of file");
				    if (offset + bytes.size() > f->end)
					    return fail(*f, "file grew while being fetched (listed " + std::to_string(f->end) + " bytes)",
							false);
				    deliver(*f, offset, bytes);
				    f->missing -= bytes.size();
				    std::uint64_t got = offset + bytes.size();
				    if (bytes.size() < len) {
					    // A short read right at the listed size proves the end of the file
					    // only if the server said its read limit; else ask past the end,
					    // where a STATUS EOF proves it.
					    if (got == f->end && sftp_->maxReadKnown() && len <= sftp_->maxRead())
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
					    return fail(*f,
							"file shrank while being fetched (listed " + std::to_string(f->end) +
								" bytes, ends at " + std::to_string(offset) + ")",
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
}

void SftpRemoteStore::issueReads()
{
	const std::uint64_t maxRequest =
		tuning_.maxRequest ? std::min(tuning_.maxRequest, sftp_->maxRead()) : sftp_->maxRead();
	for (OpenFile &f : open_) {
		if (!f.opened || f.finished)
			continue;
		if (!f.item.sizeKnown) {
			std::uint64_t size = 0, offset = 0;
			switch (queue_->sizeOf(f.item.id, size, offset)) {
			case FetchQueue::Size::Pending: continue;
			case FetchQueue::Size::Cancelled: finish(f); continue;
			case FetchQueue::Size::Known: break;
			}
			f.item.sizeKnown = true;
			f.item.size = size;
			f.item.offset = offset;
			f.end = size;
			f.next = f.delivered = std::min(f.item.offset, size);
			f.missing = size - f.next;
		}
		// Request up to one byte past the listed size: a short answer there proves the file
		// ends where the listing said, without a separate stat.
		while (f.next <= f.end && inFlight_ < tuning_.maxInFlight) {
			std::uint64_t len = std::min<std::uint64_t>(maxRequest, f.end + 1 - f.next);
			// The daemon's budget: a source with reads in flight waits for room; one with
			// none always gets one, so it never stalls for good.
			if (tuning_.budget && inFlight_ > 0 && tuning_.budget->used() + len > tuning_.budget->limit())
				return;
			std::uint64_t offset = f.next;
			f.next += len;
			requestRead(f, offset, len);
		}
		if (inFlight_ >= tuning_.maxInFlight)
			return;
	}
}

void SftpRemoteStore::openMore()
{
	unsigned maxOpen = std::max(1u, tuning_.maxOpenFiles);
	if (sftp_->maxOpenHandles() > 8)
		maxOpen = static_cast<unsigned>(std::min<std::uint64_t>(maxOpen, sftp_->maxOpenHandles() / 2));
	while (!stopping_ && open_.size() < maxOpen) {
		if (!queue_->keepGoing()) {
			stopping_ = true;
			break;
		}
		std::optional<FetchItem> item = queue_->next();
		if (!item)
			break;
		open_.push_back(OpenFile{});
		OpenFile *f = &open_.back();
		f->item = std::move(*item);
		f->end = f->item.size;
		f->next = std::min(f->item.offset, f->item.size);
		f->delivered = f->next;
		f->missing = f->item.size - f->next;
		sftp_->send(SftpType::Open, SftpPacket().string(full(f->item.path)).u32(kSftpOpenRead).u32(0),
			    [this, f](const SftpChannel::Reply &r) {
				    f->opening = false;
				    if (r.type == SftpType::Handle) {
					    f->handle = sftp::parseHandle(r.body);
					    f->opened = true;
					    if (f->finished) { // cancelled or let go while opening
						    f->closing = true;
						    sftp_->send(SftpType::Close, SftpPacket().string(f->handle),
								[f](const SftpChannel::Reply &) { f->closing = false; });
					    }
					    return;
				    }
				    std::uint32_t code = SftpChannel::statusCode(r);
				    try {
					    SftpChannel::checkStatus(r, "open " + f->item.path);
					    fail(*f, "unexpected answer to open", false);
				    } catch (const SshError &e) {
					    fail(*f, e.what(), code == kSftpNoSuchFile);
				    }
			    });
	}
}

} // namespace lingercam::pull
