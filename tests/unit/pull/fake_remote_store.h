// SPDX-License-Identifier: BSD-2-Clause
// An in-memory camera store behind the RemoteStore seam, for planner and puller tests.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pull/remote_store.h"

namespace lingercam::test {

/// An in-memory camera store for planner and puller tests: folders, files and symlinks by
/// store-relative path; records every folder listed and file written.
class FakeRemoteStore final : public pull::RemoteStore {
public:
	struct Node {
		pull::EntryType type = pull::EntryType::Regular;
		std::vector<std::uint8_t> content;
		std::string target; ///< symlink
	};

	void addFile(const std::string &path, std::vector<std::uint8_t> content)
	{
		addParents(path);
		nodes[path] = Node{ pull::EntryType::Regular, std::move(content), {} };
	}
	void addSymlink(const std::string &path, const std::string &target)
	{
		addParents(path);
		nodes[path] = Node{ pull::EntryType::Symlink, {}, target };
	}
	void addFolder(const std::string &path)
	{
		addParents(path);
		nodes[path] = Node{ pull::EntryType::Directory, {}, {} };
	}

	/// Entries a folder's listing adds to what the nodes say (a server listing a name twice).
	std::map<std::string, std::vector<pull::RemoteEntry>> extraEntries;

	std::string describe() const override { return "fake"; }

	// Every request is answered at the next pump(), together with the others sent before it:
	// one round trip each, as over SFTP.
	void requestLink(const std::string &path, LinkCallback done) override
	{
		answers_.push_back([this, path, done] {
			auto it = nodes.find(path);
			if (it == nodes.end() || it->second.type != pull::EntryType::Symlink)
				return done(std::nullopt);
			done(it->second.target);
		});
	}

	void requestLstat(std::vector<std::string> paths, LstatCallback done) override
	{
		answers_.push_back([this, paths, done] {
			std::vector<std::optional<pull::RemoteEntry>> out;
			for (const std::string &p : paths) {
				auto it = nodes.find(p);
				if (it == nodes.end())
					out.push_back(std::nullopt);
				else
					out.push_back(entry(p.substr(p.rfind('/') + 1), it->second));
			}
			done(std::move(out));
		});
	}

	void requestList(const std::string &path, ListCallback done) override
	{
		answers_.push_back([this, path, done] { done(listNow(path)); });
	}

	void requestWrite(const std::string &path, std::string content, std::function<void()> done) override
	{
		answers_.push_back([this, path, content, done] {
			written[path] = content;
			done();
		});
	}

	void startFetching(pull::FetchQueue &queue) override { queue_ = &queue; }
	void stopFetching() override
	{
		queue_ = nullptr;
		active_.clear();
	}
	std::size_t fetching() const override { return active_.size(); }
	bool busy() const override { return !answers_.empty() || !active_.empty(); }

	void pump(std::optional<std::chrono::milliseconds> = std::nullopt) override
	{
		take();
		if (!answers_.empty() || !active_.empty())
			++roundTrips;
		std::vector<std::function<void()>> answers;
		answers.swap(answers_);
		for (auto &answer : answers)
			answer();
		// Files taken before this pump arrive whole now.
		std::vector<pull::FetchItem> active;
		active.swap(active_);
		for (pull::FetchItem &item : active) {
			if (!queue_)
				break;
			if (!item.sizeKnown) {
				std::uint64_t size = 0, offset = 0;
				auto state = queue_->sizeOf(item.id, size, offset);
				if (state == pull::FetchQueue::Size::Pending) {
					active_.push_back(item);
					continue;
				}
				if (state == pull::FetchQueue::Size::Cancelled)
					continue;
				item.size = size;
				item.offset = offset;
				item.sizeKnown = true;
			}
			deliver(item);
		}
		take();
	}

	std::map<std::string, Node> nodes;
	std::size_t roundTrips = 0; ///< pumps that had answers to give
	std::vector<std::string> listed;
	std::vector<std::string> fetched;
	std::set<std::string> failing;
	std::map<std::string, std::string> written;

private:
	void take()
	{
		while (queue_ && queue_->keepGoing())
			if (auto item = queue_->next())
				active_.push_back(std::move(*item));
			else
				break;
	}

	void deliver(const pull::FetchItem &item)
	{
		fetched.push_back(item.path);
		auto it = nodes.find(item.path);
		if (failing.count(item.path))
			return queue_->failed(item.id, "injected failure", false);
		if (it == nodes.end())
			return queue_->failed(item.id, "no such file", true);
		const auto &c = it->second.content;
		if (c.size() != item.size)
			return queue_->failed(item.id, "file changed size", false);
		if (item.offset < c.size())
			queue_->data(item.id, item.offset, std::span(c.data() + item.offset, c.size() - item.offset));
		queue_->done(item.id);
	}

	std::optional<std::vector<pull::RemoteEntry>> listNow(const std::string &path)
	{
		listed.push_back(path);
		if (!path.empty() && (!nodes.count(path) || nodes[path].type != pull::EntryType::Directory))
			return std::nullopt;
		std::vector<pull::RemoteEntry> out{ entry(".", Node{ pull::EntryType::Directory, {}, {} }),
						    entry("..", Node{ pull::EntryType::Directory, {}, {} }) };
		const std::string prefix = path.empty() ? "" : path + "/";
		for (const auto &[p, node] : nodes)
			if (p.starts_with(prefix) && p.size() > prefix.size() && p.find('/', prefix.size()) == std::string::npos)
				out.push_back(entry(p.substr(prefix.size()), node));
		if (auto extra = extraEntries.find(path); extra != extraEntries.end())
			out.insert(out.end(), extra->second.begin(), extra->second.end());
		return out;
	}

	std::vector<std::function<void()>> answers_;
	pull::FetchQueue *queue_ = nullptr;
	std::vector<pull::FetchItem> active_;

	static pull::RemoteEntry entry(const std::string &name, const Node &n)
	{
		return pull::RemoteEntry{ name, n.type, n.content.size(), 1700000000 };
	}
	void addParents(const std::string &path)
	{
		for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
			if (!nodes.count(path.substr(0, slash)))
				nodes[path.substr(0, slash)] = Node{ pull::EntryType::Directory, {}, {} };
	}
};

} // namespace lingercam::test
