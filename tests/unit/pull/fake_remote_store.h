#pragma once

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

	std::optional<std::string> readLink(const std::string &path) override
	{
		auto it = nodes.find(path);
		if (it == nodes.end() || it->second.type != pull::EntryType::Symlink)
			return std::nullopt;
		return it->second.target;
	}

	std::vector<std::optional<pull::RemoteEntry>> lstatMany(const std::vector<std::string> &paths) override
	{
		std::vector<std::optional<pull::RemoteEntry>> out;
		for (const std::string &p : paths) {
			auto it = nodes.find(p);
			if (it == nodes.end())
				out.push_back(std::nullopt);
			else
				out.push_back(entry(p.substr(p.rfind('/') + 1), it->second));
		}
		return out;
	}

	std::optional<std::vector<pull::RemoteEntry>> list(const std::string &path) override
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

	void fetch(std::span<const pull::FetchItem> items, pull::FetchSink &sink) override
	{
		for (std::size_t i = 0; i < items.size(); ++i) {
			fetched.push_back(items[i].path);
			auto it = nodes.find(items[i].path);
			if (failing.count(items[i].path)) {
				sink.failed(i, "injected failure", false);
				continue;
			}
			if (it == nodes.end()) {
				sink.failed(i, "no such file", true);
				continue;
			}
			const auto &c = it->second.content;
			if (items[i].offset < c.size())
				sink.data(i, items[i].offset,
					  std::span(c.data() + items[i].offset, c.size() - items[i].offset));
			sink.done(i);
		}
	}

	void writeFile(const std::string &path, std::string_view content) override { written[path] = std::string(content); }

	std::map<std::string, Node> nodes;
	std::vector<std::string> listed;
	std::vector<std::string> fetched;
	std::set<std::string> failing;
	std::map<std::string, std::string> written;

private:
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
