// SPDX-License-Identifier: BSD-2-Clause
// An SFTP v3 server in memory (see fake_sftp_server.h).
#include "support/sftp/fake_sftp_server.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <thread>

namespace lingercam::test {

namespace {

// SFTP v3 numbers (draft-ietf-secsh-filexfer-02), spelled out here on purpose: the fake
// server must not share the client's constants, or a wrong one would agree with itself.
enum : std::uint8_t {
	kInit = 1, kVersion = 2, kOpen = 3, kClose = 4, kRead = 5, kWrite = 6, kLstat = 7, kOpendir = 11, kReaddir = 12,
	kReadlink = 19, kStatus = 101, kHandle = 102, kData = 103, kName = 104, kAttrs = 105, kExtended = 200,
	kExtendedReply = 201,
};
enum : std::uint32_t { kOk = 0, kEof = 1, kNoSuchFile = 2, kFailure = 4, kUnsupported = 8 };

using Out = SftpBytes;

struct In {
	const std::vector<std::uint8_t> &b;
	std::size_t pos = 0;
	std::uint32_t u32()
	{
		if (b.size() - pos < 4)
			throw std::runtime_error("fake sftp server: short request");
		std::uint32_t v = (std::uint32_t(b[pos]) << 24) | (std::uint32_t(b[pos + 1]) << 16) |
				  (std::uint32_t(b[pos + 2]) << 8) | b[pos + 3];
		pos += 4;
		return v;
	}
	std::uint64_t u64()
	{
		std::uint64_t high = u32();
		return high << 32 | u32();
	}
	std::string str()
	{
		std::uint32_t n = u32();
		if (b.size() - pos < n)
			throw std::runtime_error("fake sftp server: short string");
		std::string s(b.begin() + static_cast<std::ptrdiff_t>(pos), b.begin() + static_cast<std::ptrdiff_t>(pos + n));
		pos += n;
		return s;
	}
};

Out reply(std::uint8_t type, std::uint32_t id)
{
	return Out().u8(type).u32(id);
}

std::vector<std::uint8_t> status(std::uint32_t id, std::uint32_t code, std::string_view message = {})
{
	return reply(kStatus, id).u32(code).str(message).str("en").b;
}

// Attributes: size and permissions (st_mode), times.
void attrs(Out &o, std::uint64_t size, std::uint32_t mode)
{
	o.u32(0x01 | 0x04 | 0x08).u64(size).u32(mode).u32(0).u32(0);
}

std::string normalise(std::string path)
{
	while (!path.empty() && path.front() == '/')
		path.erase(0, 1);
	while (path.size() > 1 && path.back() == '/')
		path.pop_back();
	if (path == "." || path.empty())
		return "";
	if (path.rfind("./", 0) == 0)
		path.erase(0, 2);
	return path;
}

} // namespace

void FakeSftpServer::write(std::span<const std::uint8_t> bytes)
{
	fromClient_.insert(fromClient_.end(), bytes.begin(), bytes.end());
	for (;;) {
		if (fromClient_.size() < 4)
			break;
		std::uint32_t len = (std::uint32_t(fromClient_[0]) << 24) | (std::uint32_t(fromClient_[1]) << 16) |
				    (std::uint32_t(fromClient_[2]) << 8) | fromClient_[3];
		if (fromClient_.size() < 4 + std::size_t(len))
			break;
		Request r;
		r.type = fromClient_[4];
		if (r.type == kInit) {
			// INIT carries a version, not an id.
			fromClient_.erase(fromClient_.begin(), fromClient_.begin() + 4 + len);
			Out v = Out().u8(kVersion).u32(3);
			if (maxRead)
				v.str("limits@openssh.com").str("1");
			v.str("posix-rename@openssh.com").str("1");
			Out framed;
			framed.u32(static_cast<std::uint32_t>(v.b.size()));
			toClient_.insert(toClient_.end(), framed.b.begin(), framed.b.end());
			toClient_.insert(toClient_.end(), v.b.begin(), v.b.end());
			continue;
		}
		r.id = (std::uint32_t(fromClient_[5]) << 24) | (std::uint32_t(fromClient_[6]) << 16) |
		       (std::uint32_t(fromClient_[7]) << 8) | fromClient_[8];
		r.body.assign(fromClient_.begin() + 9, fromClient_.begin() + 4 + len);
		fromClient_.erase(fromClient_.begin(), fromClient_.begin() + 4 + len);
		handle(r);
	}
	if (reverseReplies)
		std::reverse(batch_.begin(), batch_.end());
	for (const Outgoing &packet : batch_) {
		if (packet.framed) {
			Out length;
			length.u32(static_cast<std::uint32_t>(packet.bytes.size()));
			toClient_.insert(toClient_.end(), length.b.begin(), length.b.end());
		}
		toClient_.insert(toClient_.end(), packet.bytes.begin(), packet.bytes.end());
	}
	batch_.clear();
}

void FakeSftpServer::handle(const Request &request)
{
	++requestsSeen[request.type];
	std::vector<std::vector<std::uint8_t>> packets = responder ? responder(request) : answer(request);
	const bool framed = !unframedNext;
	unframedNext = false;
	for (std::vector<std::uint8_t> &packet : packets)
		batch_.push_back({ std::move(packet), framed });
}

std::size_t FakeSftpServer::read(std::span<std::uint8_t> buffer, Clock::time_point deadline)
{
	if (toClient_.empty()) {
		// Nothing will ever come: a real server would leave the client waiting until its
		// deadline, so say "nothing yet" only once the deadline is reached.
		if (Clock::now() < deadline)
			std::this_thread::sleep_until(deadline);
		return 0;
	}
	std::size_t n = std::min(buffer.size(), toClient_.size());
	if (chunk)
		n = std::clamp<std::size_t>(chunk(n), 1, n);
	if (trickle.count() > 0) {
		const auto due = lastByte_ + trickle;
		if (due > deadline) {
			std::this_thread::sleep_until(deadline);
			return 0;
		}
		std::this_thread::sleep_until(due);
		lastByte_ = Clock::now();
		n = 1;
	}
	std::copy_n(toClient_.begin(), n, buffer.begin());
	toClient_.erase(toClient_.begin(), toClient_.begin() + static_cast<std::ptrdiff_t>(n));
	return n;
}

bool FakeSftpServer::isFolder(const std::string &path) const
{
	const std::string prefix = path.empty() ? "" : path + "/";
	auto under = [&](const auto &map) {
		auto it = map.lower_bound(prefix);
		return it != map.end() && it->first.rfind(prefix, 0) == 0;
	};
	return under(files) || under(links);
}

std::vector<std::vector<std::uint8_t>> FakeSftpServer::answer(const Request &request)
{
	In in{ request.body };
	const std::uint32_t id = request.id;
	switch (request.type) {
	case kExtended: {
		std::string name = in.str();
		if (name == "limits@openssh.com" && maxRead)
			return { reply(kExtendedReply, id).u64(maxRead + 1024).u64(maxRead).u64(maxRead).u64(0).b };
		if (name == "posix-rename@openssh.com") {
			std::string from = normalise(in.str()), to = normalise(in.str());
			auto f = files.find(from);
			if (f == files.end())
				return { status(id, kNoSuchFile, "No such file") };
			files[to] = std::move(f->second);
			files.erase(from);
			return { status(id, kOk) };
		}
		return { status(id, kUnsupported, "unsupported extension") };
	}
	case kOpen: {
		std::string path = normalise(in.str());
		const std::uint32_t flags = in.u32();
		if (flags & 0x02) // SSH_FXF_WRITE (with CREAT and TRUNC, as the client sends it)
			files[path].clear();
		if (!files.count(path))
			return { status(id, kNoSuchFile, "No such file") };
		std::string h = "f";
		h += std::to_string(nextHandle_++); // not "f" + ...: g++ 12 -Wrestrict at -O3
		openFiles_[h] = path;
		return { reply(kHandle, id).str(h).b };
	}
	case kRead: {
		std::string h = in.str();
		std::uint64_t offset = in.u64();
		std::uint32_t len = in.u32();
		auto it = openFiles_.find(h);
		if (it == openFiles_.end())
			return { status(id, kFailure, "bad handle") };
		const std::string &content = files.at(it->second);
		if (offset >= content.size())
			return { status(id, kEof, "EOF") };
		const std::uint64_t cap = readCap ? readCap : maxRead ? maxRead : 32768;
		std::size_t n = std::min<std::uint64_t>({ len, cap, content.size() - offset });
		return { reply(kData, id).str(std::string_view(content).substr(offset, n)).b };
	}
	case kWrite: {
		std::string h = in.str();
		std::uint64_t offset = in.u64();
		std::string bytes = in.str();
		auto it = openFiles_.find(h);
		if (it == openFiles_.end())
			return { status(id, kFailure, "bad handle") };
		std::string &content = files[it->second];
		if (content.size() < offset + bytes.size())
			content.resize(offset + bytes.size());
		content.replace(offset, bytes.size(), bytes);
		return { status(id, kOk) };
	}
	case kClose: {
		std::string h = in.str();
		if (!openFiles_.erase(h) && !openDirs_.erase(h))
			return { status(id, kFailure, "bad handle") };
		return { status(id, kOk) };
	}
	case kOpendir: {
		std::string dir = normalise(in.str());
		std::set<std::string> entries;
		bool exists = dir.empty();
		auto collect = [&](const std::string &path) {
			std::string prefix = dir.empty() ? "" : dir + "/";
			if (path.rfind(prefix, 0) != 0 || path.size() == prefix.size())
				return;
			exists = true;
			std::string rest = path.substr(prefix.size());
			entries.insert(rest.substr(0, rest.find('/')));
		};
		for (const auto &[path, content] : files)
			collect(path);
		for (const auto &[path, target] : links)
			collect(path);
		if (!exists)
			return { status(id, kNoSuchFile, "No such file") };
		std::string h = "d";
		h += std::to_string(nextHandle_++);
		std::vector<std::string> list{ ".", ".." };
		for (const std::string &e : entries)
			for (int copies = duplicateNames ? 2 : 1; copies > 0; --copies)
				list.push_back(dir.empty() ? e : dir + "/" + e);
		openDirs_[h] = std::move(list);
		return { reply(kHandle, id).str(h).b };
	}
	case kReaddir: {
		std::string h = in.str();
		auto it = openDirs_.find(h);
		if (it == openDirs_.end())
			return { status(id, kFailure, "bad handle") };
		if (it->second.empty())
			return { status(id, kEof, "EOF") };
		std::size_t n = std::min(namesPerReply, it->second.size());
		Out o = reply(kName, id).u32(static_cast<std::uint32_t>(n));
		for (std::size_t i = 0; i < n; ++i) {
			const std::string &path = it->second[i];
			std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
			o.str(name).str(name);
			if (auto f = files.find(path); f != files.end())
				attrs(o, f->second.size(), 0100644);
			else if (links.count(path))
				attrs(o, 0, 0120777);
			else
				attrs(o, 4096, 0040755);
		}
		it->second.erase(it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(n));
		return { o.b };
	}
	case kLstat: {
		std::string path = normalise(in.str());
		Out o = reply(kAttrs, id);
		if (auto f = files.find(path); f != files.end())
			attrs(o, f->second.size(), 0100644);
		else if (links.count(path))
			attrs(o, 0, 0120777);
		else if (isFolder(path))
			attrs(o, 4096, 0040755);
		else
			return { status(id, kNoSuchFile, "No such file") };
		return { o.b };
	}
	case kReadlink: {
		std::string path = normalise(in.str());
		auto l = links.find(path);
		if (l == links.end())
			return { status(id, kNoSuchFile, "No such file") };
		Out o = reply(kName, id).u32(1).str(l->second).str(l->second);
		attrs(o, 0, 0120777);
		return { o.b };
	}
	default:
		return { status(id, kUnsupported, "unsupported request") };
	}
}

} // namespace lingercam::test
