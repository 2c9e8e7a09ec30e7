// SPDX-License-Identifier: BSD-2-Clause
// The mirror's static HTML gallery: the newest frame, a page per day, coverage strips.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/store_layout.h"

namespace spdlog {
class logger;
}

namespace lingercam::pull {

/// Static pages in a mirror, for a person to browse from file:// or any static web server,
/// no JavaScript needed (a line of it keeps the newest frame's age current):
///
///     <mirror>/index.html                     the newest frame large, its local time and age,
///                                             today's coverage strip and thumbnails, the days
///     <mirror>/gallery/YYYY-MM-DD.html        one page per (UTC) day: its strip, its frames
///     <mirror>/gallery/thumbs/YYYY/MM/DD/...  thumbnails, made once per frame, never again
///     <mirror>/gallery/days.txt               frames per day, so the index needs no scan
///
/// Every page has a coverage strip: one cell per expected slot of the day (1,440 at one a
/// minute, the interval inferred from the frames), missing ones red, with hour marks and the
/// count ("1,377 of 1,440"). Each file is replaced atomically; every name printed is
/// escaped. The cost of an update follows the days a round touched and their new frames.
class Gallery {
public:
	Gallery(std::filesystem::path mirror, std::string sourceName);
	~Gallery();

	/// After a round that committed frames into \a days ("YYYY/MM/DD"): thumbnails for their
	/// frames that have none, their pages, the list of days and index.html, as of \a now.
	/// The first update of a mirror lists all its days once. Throws common::SystemError.
	void update(const std::set<std::string> &days, std::chrono::system_clock::time_point now);

	/// Thumbnails are this wide (or the frame's own width, if smaller).
	static constexpr int kThumbWidth = 240;
	/// Thumbnails made by the last update (a round's cost).
	std::size_t thumbnailsMade() const { return thumbnailsMade_; }

	/// What a page of several sources shows of this one.
	struct Summary {
		std::string name;
		std::filesystem::path mirror;
		std::string newestPath; ///< store-relative, "" if none
		std::int64_t newestTime = 0;
		std::size_t todayFound = 0, todayExpected = 0;
	};
	Summary summary(std::chrono::system_clock::time_point now) const;

private:
	struct Day {
		std::size_t frames = 0;   ///< frames named by a synchronized clock
		std::size_t unsynced = 0; ///< "-unsynced" frames
		std::int64_t interval = 60;
	};

	std::vector<common::FrameId> listDay(const std::string &dayPath) const;
	void makeThumbnails(const std::string &dayPath, const std::vector<common::FrameId> &frames);
	void writeDayPage(const std::string &dayPath, const std::vector<common::FrameId> &frames, std::int64_t now);
	void writeIndex(std::int64_t now);
	void loadDays();
	void saveDays();
	void scanAllDays();

	std::filesystem::path mirror_;
	std::string name_;
	std::map<std::string, Day> days_; ///< gallery/days.txt
	bool loaded_ = false;
	std::size_t thumbnailsMade_ = 0;
	std::shared_ptr<spdlog::logger> log_;
};

/// "<dir>/index.html": one line per source (name, newest frame, today's coverage), linking
/// to each mirror's own index.html. For a pull with several sources.
void writeSourcesPage(const std::filesystem::path &dir, const std::vector<Gallery::Summary> &sources,
		      std::chrono::system_clock::time_point now);

/// Text made safe to print in HTML, in element content and in quoted attribute values alike.
std::string htmlEscape(std::string_view text);

} // namespace lingercam::pull
