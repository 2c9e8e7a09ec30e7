// SPDX-License-Identifier: BSD-2-Clause
// Blocking helpers over the pipelined RemoteStore (see remote_store.h).
#include "remote_store.h"

namespace lingercam::pull {

namespace {

/// Pumps \a store until \a done.
void pumpUntil(RemoteStore &store, const bool &done)
{
	while (!done)
		store.pump();
}

} // namespace

std::optional<std::string> RemoteStore::readLink(const std::string &path)
{
	std::optional<std::string> out;
	bool done = false;
	requestLink(path, [&](std::optional<std::string> target) {
		out = std::move(target);
		done = true;
	});
	pumpUntil(*this, done);
	return out;
}

std::vector<std::optional<RemoteEntry>> RemoteStore::lstatMany(const std::vector<std::string> &paths)
{
	std::vector<std::optional<RemoteEntry>> out;
	bool done = false;
	requestLstat(paths, [&](std::vector<std::optional<RemoteEntry>> entries) {
		out = std::move(entries);
		done = true;
	});
	pumpUntil(*this, done);
	return out;
}

std::optional<std::vector<RemoteEntry>> RemoteStore::list(const std::string &path)
{
	std::optional<std::vector<RemoteEntry>> out;
	bool done = false;
	requestList(path, [&](std::optional<std::vector<RemoteEntry>> entries) {
		out = std::move(entries);
		done = true;
	});
	pumpUntil(*this, done);
	return out;
}

void RemoteStore::writeFile(const std::string &path, std::string_view content)
{
	bool done = false;
	requestWrite(path, std::string(content), [&] { done = true; });
	pumpUntil(*this, done);
}

void RemoteStore::fetch(std::span<const FetchItem> items, FetchSink &sink)
{
	// The items in order, each under its index, to the sink.
	class Span final : public FetchQueue {
	public:
		Span(std::span<const FetchItem> items, FetchSink &sink) : items_(items), sink_(sink) {}
		std::optional<FetchItem> next() override
		{
			if (next_ == items_.size())
				return std::nullopt;
			FetchItem item = items_[next_];
			item.id = next_++;
			item.sizeKnown = true;
			return item;
		}
		void data(std::size_t id, std::uint64_t offset, std::span<const std::uint8_t> bytes) override
		{
			sink_.data(id, offset, bytes);
		}
		void done(std::size_t id) override
		{
			++finished_;
			sink_.done(id);
		}
		void failed(std::size_t id, const std::string &reason, bool gone) override
		{
			++finished_;
			sink_.failed(id, reason, gone);
		}
		bool keepGoing() override
		{
			if (!sink_.keepGoing())
				stopped_ = true;
			return !stopped_;
		}
		bool over() const { return finished_ == items_.size() || stopped_; }

	private:
		std::span<const FetchItem> items_;
		FetchSink &sink_;
		std::size_t next_ = 0;
		std::size_t finished_ = 0;
		bool stopped_ = false;
	};
	Span queue(items, sink);
	startFetching(queue);
	struct Stop {
		RemoteStore &store;
		~Stop() { store.stopFetching(); }
	} stop{ *this };
	while (!queue.over() || fetching() > 0)
		pump();
	// Closes of the last files are still in flight: collect their answers.
	while (busy())
		pump();
}

} // namespace lingercam::pull
