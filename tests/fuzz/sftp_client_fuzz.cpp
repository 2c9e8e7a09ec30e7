// SPDX-License-Identifier: BSD-2-Clause
// The SFTP client against a server that answers its real requests as the fuzzer chooses:
// honestly, short, twice, never, with another id, with a STATUS, or with arbitrary bytes,
// in any order, cut into any chunks. Whatever it does, the fetch contract holds:
// - bytes reach the sink in range, each once, in order, and never after the file's verdict;
// - each file gets one verdict at most, and every file one when the fetch returns;
// - a file is done only with every byte from its start to its listed size, and, unless the
//   server forged a reply to that file's own OPEN or READ (or broke the framing, after which
//   any packet can be forged), exactly the file's bytes;
// - failures are SshError with a printable message; nothing else escapes.
// libFuzzer's -malloc_limit_mb (scripts/fuzz.sh) turns any allocation past the bounds into
// a finding too.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "fuzz_input.h"
#include "pull/sftp_channel.h"
#include "pull/sftp_remote_store.h"
#include "pull/ssh_error.h"
#include "support/sftp/fake_sftp_server.h"

using lingercam::fuzz::FuzzInput;
using lingercam::pull::FetchItem;
using lingercam::pull::FetchSink;
using lingercam::pull::SftpChannel;
using lingercam::pull::SftpRemoteStore;
using lingercam::pull::SshError;
using lingercam::test::FakeSftpServer;
using Packets = std::vector<std::vector<std::uint8_t>>;

using lingercam::fuzz::printable;

namespace {

constexpr std::uint8_t kOpen = 3, kRead = 5, kData = 103, kStatus = 101, kHandle = 102;

void putU32(std::vector<std::uint8_t> &p, std::size_t at, std::uint32_t v)
{
	p[at] = static_cast<std::uint8_t>(v >> 24);
	p[at + 1] = static_cast<std::uint8_t>(v >> 16);
	p[at + 2] = static_cast<std::uint8_t>(v >> 8);
	p[at + 3] = static_cast<std::uint8_t>(v);
}

std::uint32_t getU32(const std::vector<std::uint8_t> &p, std::size_t at)
{
	return std::uint32_t(p[at]) << 24 | std::uint32_t(p[at + 1]) << 16 | std::uint32_t(p[at + 2]) << 8 | p[at + 3];
}

class ContractSink final : public FetchSink {
public:
	ContractSink(const std::vector<FetchItem> &items, const std::vector<std::string> &contents)
		: items_(items), contents_(contents), got_(items.size()), verdict_(items.size(), 0)
	{
	}
	void data(std::size_t index, std::uint64_t offset, std::span<const std::uint8_t> bytes) override
	{
		FUZZ_CHECK(index < items_.size());
		FUZZ_CHECK(verdict_[index] == 0);
		FUZZ_CHECK(offset == start(index) + got_[index].size());
		FUZZ_CHECK(offset + bytes.size() <= items_[index].size);
		got_[index].append(bytes.begin(), bytes.end());
	}
	void done(std::size_t index) override
	{
		FUZZ_CHECK(index < items_.size());
		FUZZ_CHECK(verdict_[index] == 0);
		verdict_[index] = 1;
		FUZZ_CHECK(start(index) + got_[index].size() == items_[index].size);
	}
	/// Every file done has exactly its bytes, unless a reply that could reach it was forged.
	/// Checked at the end: a forged reply can name an id the client gives a request of its
	/// own only afterwards, and the server learns which file that was only when it arrives.
	void checkContents(const std::vector<bool> &forged, bool anyFileForged) const
	{
		for (std::size_t i = 0; i < items_.size(); ++i)
			if (verdict_[i] == 1 && !forged[i] && !anyFileForged) {
				FUZZ_CHECK(items_[i].size == contents_[i].size());
				FUZZ_CHECK(got_[i] == std::string_view(contents_[i]).substr(start(i)));
			}
	}
	void failed(std::size_t index, const std::string &reason, bool) override
	{
		FUZZ_CHECK(index < items_.size());
		FUZZ_CHECK(verdict_[index] == 0);
		FUZZ_CHECK(printable(reason));
		verdict_[index] = 2;
	}
	void checkEveryFileDecided() const
	{
		for (int v : verdict_)
			FUZZ_CHECK(v != 0);
	}

private:
	std::uint64_t start(std::size_t index) const { return std::min(items_[index].offset, items_[index].size); }

	const std::vector<FetchItem> &items_;
	const std::vector<std::string> &contents_;
	std::vector<std::string> got_;
	std::vector<int> verdict_;
};

std::string readString(const std::vector<std::uint8_t> &body, std::size_t at)
{
	if (body.size() < at + 4)
		return {};
	const std::uint32_t n = getU32(body, at);
	if (body.size() - at - 4 < n)
		return {};
	return std::string(body.begin() + static_cast<std::ptrdiff_t>(at + 4),
			   body.begin() + static_cast<std::ptrdiff_t>(at + 4 + n));
}

std::string frameBytes(std::size_t size, unsigned seed)
{
	std::string s(size, '\0');
	for (std::size_t i = 0; i < size; ++i)
		s[i] = static_cast<char>(i * 31 + i / 251 + seed * 7);
	return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzInput in(data, size);
	auto owned = std::make_unique<FakeSftpServer>();
	FakeSftpServer *server = owned.get();
	static constexpr std::uint64_t kMaxReads[] = { 261120, 32768, 4096, 0 };
	server->maxRead = kMaxReads[in.u8() % 4];
	server->namesPerReply = 1 + in.below(300);
	server->reverseReplies = in.flag();

	std::vector<FetchItem> items;
	std::vector<std::string> contents;
	const std::size_t files = 1 + in.below(4);
	for (std::size_t i = 0; i < files; ++i) {
		const std::size_t bytes = in.below(100001);
		const std::string path = "2026/11/25/20261125T00" + std::to_string(10 + i) + "00Z.jpg";
		contents.push_back(frameBytes(bytes, static_cast<unsigned>(i)));
		server->files["store/" + path] = contents.back();
		// The listing may be out of date (the size differs), and a partial file may be resumed.
		std::uint64_t listed = bytes;
		if (in.u8() % 8 == 0)
			listed = in.below(bytes + 2);
		const std::uint64_t offset = in.u8() % 4 == 0 ? in.below(bytes + 1) : 0;
		items.push_back({ path, listed, offset });
	}
	server->links["store/latest.jpg"] = items.back().path;

	// Which file each OPEN and READ was for, so a forged reply taints only the file it can
	// reach: a made-up reply to a file's OPEN (a handle of another file) or READ (other bytes).
	std::vector<bool> forged(files, false);
	bool unframed = false; // after broken framing any packet can be forged
	std::map<std::uint32_t, std::size_t> fileOfRequest;
	std::map<std::string, std::size_t> fileOfHandle;
	std::set<std::uint32_t> forgedAhead; // ids forged before their request was seen
	std::uint32_t maxSeenId = 0;
	auto forge = [&](std::uint32_t id) {
		if (auto it = fileOfRequest.find(id); it != fileOfRequest.end())
			forged[it->second] = true;
		else
			forgedAhead.insert(id);
	};
	auto honest = [&](const FakeSftpServer::Request &r) {
		Packets p = server->answer(r);
		if (r.type == kOpen && p.size() == 1 && p[0][0] == kHandle)
			if (auto it = fileOfRequest.find(r.id); it != fileOfRequest.end())
				fileOfHandle[readString(p[0], 5)] = it->second;
		return p;
	};
	server->responder = [&](const FakeSftpServer::Request &r) -> Packets {
		std::optional<std::size_t> file;
		if (r.type == kOpen) {
			const std::string path = readString(r.body, 0);
			for (std::size_t i = 0; i < items.size(); ++i)
				if (path == "store/" + items[i].path)
					file = i;
		} else if (r.type == kRead) {
			if (auto it = fileOfHandle.find(readString(r.body, 0)); it != fileOfHandle.end())
				file = it->second;
		}
		maxSeenId = std::max(maxSeenId, r.id);
		const bool forgedBefore = forgedAhead.erase(r.id) > 0;
		if (file) {
			fileOfRequest[r.id] = *file;
			if (forgedBefore)
				forged[*file] = true;
		}
		switch (in.u8() % 13) {
		default: return honest(r);
		case 6: { // a short read: the right bytes, fewer of them
			Packets p = honest(r);
			if (p.size() == 1 && p[0].size() >= 9 && p[0][0] == kData) {
				const std::uint32_t len = static_cast<std::uint32_t>(in.below(getU32(p[0], 5) + 1));
				p[0].resize(9 + len);
				putU32(p[0], 5, len);
				// SFTP v3 (draft 02, 6.4): a short read of a regular file means its end. Cut
				// right at the listed size of a longer file, it claims the file ends there: a
				// forgery about that file, not a short read.
				const std::string handle = readString(r.body, 0);
				if (file && r.body.size() >= 4 + handle.size() + 8) {
					const std::uint64_t offset = std::uint64_t(getU32(r.body, 4 + handle.size())) << 32 |
								     getU32(r.body, 8 + handle.size());
					if (offset + len == items[*file].size && items[*file].size < contents[*file].size())
						forged[*file] = true;
				}
			}
			return p;
		}
		case 7: return {}; // never answered
		case 8: { // answered twice
			Packets p = honest(r);
			if (!p.empty())
				p.push_back(p.front());
			return p;
		}
		case 9: { // arbitrary bytes, for this request or another
			std::vector<std::uint8_t> p{ in.u8(), 0, 0, 0, 0 };
			const std::uint32_t id = in.flag() ? r.id : in.u32();
			forge(id);
			putU32(p, 1, id);
			auto body = in.bytes(96);
			p.insert(p.end(), body.begin(), body.end());
			return { p };
		}
		case 10: { // a STATUS of any code and message
			std::vector<std::uint8_t> p{ kStatus, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
			putU32(p, 1, r.id);
			const auto code = static_cast<std::uint32_t>(in.below(10));
			putU32(p, 5, code);
			// EOF to a file's READ claims the file ends there: a forgery about that file
			// (any other status fails the read).
			if (code == 1 && r.type == kRead && file)
				forged[*file] = true;
			auto message = in.bytes(300);
			putU32(p, 9, static_cast<std::uint32_t>(message.size()));
			p.insert(p.end(), message.begin(), message.end());
			return { p };
		}
		case 11: { // the honest answer under the next request's id
			forge(r.id + 1);
			Packets p = honest(r);
			for (auto &packet : p)
				if (packet.size() >= 5)
					putU32(packet, 1, r.id + 1);
			return p;
		}
		case 12: { // bytes without framing: every packet after them is read from the wrong place
			unframed = true;
			server->unframedNext = true;
			return { in.bytes(64) };
		}
		}
	};
	server->chunk = [&](std::size_t available) { return in.exhausted() ? available : 1 + in.below(available); };

	lingercam::pull::FetchTuning tuning;
	tuning.maxRequest = static_cast<std::uint32_t>(in.below(4) * 65536);
	tuning.maxInFlight = 1 + in.below(1u << 20);
	tuning.maxOpenFiles = 1 + static_cast<unsigned>(in.below(8));

	// io_timeout 0: a request the server never answers fails at once instead of after a wait.
	auto quiet = std::make_shared<spdlog::logger>("fuzz");
	auto sftp = std::make_unique<SftpChannel>(std::move(owned), std::chrono::milliseconds(0), quiet);
	ContractSink sink(items, contents);
	try {
		sftp->start();
		SftpRemoteStore store(std::move(sftp), "store", tuning);
		for (std::uint8_t ops = in.u8() % 4; ops > 0; --ops) {
			switch (in.u8() % 4) {
			case 0: store.list("2026/11/25"); break;
			case 1: store.readLink("latest.jpg"); break;
			case 2: store.writeFile(".pulled", "20261125T001000Z\n"); break;
			default: store.lstatMany({ items.front().path, "2026/11/25/missing.jpg" }); break;
			}
		}
		store.fetch(items, sink);
		sink.checkEveryFileDecided();
	} catch (const SshError &e) {
		FUZZ_CHECK(printable(e.what()));
	}
	// A forged id the server never saw a request for may have met one the client made and
	// never sent (the fetch ended first): then it may have reached any file. Ids far past
	// the last one seen cannot have: the client numbers its requests in order.
	bool unresolved = false;
	for (std::uint32_t id : forgedAhead)
		unresolved = unresolved || (id > maxSeenId && id - maxSeenId <= 1024);
	sink.checkContents(forged, unframed || unresolved);
	return 0;
}
