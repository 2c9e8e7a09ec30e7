// SPDX-License-Identifier: BSD-2-Clause
// The mirror's static HTML gallery: the newest frame, a page per day, coverage strips.
#include "gallery.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/coverage.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "common/logging.h"
#include "common/units.h"
#include "thumbnail.h"

namespace lingercam::pull {

namespace fs = std::filesystem;
using common::FrameId;

namespace {

constexpr std::chrono::seconds kDefaultInterval{ 60 };

std::int64_t toSeconds(std::chrono::system_clock::time_point t)
{
	return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

/// "2026/11/23" -> "2026-11-23".
std::string dayName(std::string dayPath)
{
	std::replace(dayPath.begin(), dayPath.end(), '/', '-');
	return dayPath;
}

std::int64_t dayStart(const std::string &dayPath)
{
	return common::daysFromCivil(std::stoi(dayPath.substr(0, 4)), static_cast<unsigned>(std::stoi(dayPath.substr(5, 2))),
				     static_cast<unsigned>(std::stoi(dayPath.substr(8, 2)))) *
	       86400;
}

std::string localTime(std::int64_t seconds)
{
	return common::formatLocalTime(seconds);
}

std::string age(std::int64_t seconds)
{
	if (seconds < 0)
		return "in the future by this viewer's clock";
	return common::formatDuration(std::chrono::milliseconds(seconds * 1000)) + " ago";
}

std::string thumbPath(const FrameId &id)
{
	return "thumbs/" + id.relativePath();
}

void writePage(const fs::path &file, const std::string &html)
{
	fs::create_directories(file.parent_path());
	common::writeFileAtomic(file, html);
}

const char *kStyle = R"(<style>
body{font:15px/1.4 system-ui,sans-serif;margin:1.2em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:.2em 0}
img.newest{max-width:100%;height:auto;display:block;border:1px solid #ccc}
.strip{display:flex;height:22px;border:1px solid #999;margin-top:.6em}
.strip i{flex:1 1 0;min-width:0}
.strip i.p{background:#2a8a4a}.strip i.m{background:#d33}.strip i.f{background:#e6e6e6}
.hours{position:relative;height:1.2em;font-size:11px;color:#555}
.hours span{position:absolute;transform:translateX(-50%)}
.thumbs{display:flex;flex-wrap:wrap;gap:4px;margin-top:.8em}
.thumbs.today{flex-wrap:nowrap;overflow-x:auto}
.thumbs a{flex:none;font-size:11px;color:#555;text-decoration:none;text-align:center}
.thumbs img{width:120px;height:auto;display:block}
.gaps li,.days li{margin:.1em 0}.unsynced{color:#a60}
</style>)";

std::string pageStart(const std::string &title)
{
	return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>" +
	       htmlEscape(title) + "</title>\n" + kStyle + "</head>\n<body>\n";
}

/// The coverage strip of one UTC day: a cell per slot, hour marks under it, the count and
/// the longest gaps (their times local, as the rest of the page).
std::string strip(const std::string &dayPath, const std::vector<FrameId> &frames, std::chrono::seconds interval,
		  std::int64_t now)
{
	std::vector<std::int64_t> times;
	for (const FrameId &f : frames)
		if (!f.unsynced)
			times.push_back(f.seconds);
	const std::int64_t from = dayStart(dayPath);
	const common::Coverage c(times, from, from + 86400, interval, now);
	std::ostringstream out;
	out << "<p class=\"count\"><b>" << common::groupDigits(c.found()) << " of " << common::groupDigits(c.expected())
	    << "</b> frames";
	if (c.expected() < c.slots())
		out << " so far";
	out << " (one every " << common::formatDuration(std::chrono::milliseconds(interval)) << ", UTC day "
	    << dayName(dayPath) << ")</p>\n";
	out << "<div class=\"strip\" role=\"img\" aria-label=\"" << c.found() << " of " << c.expected()
	    << " expected frames\">";
	for (std::size_t i = 0; i < c.slots(); ++i)
		out << (c.future(i) ? "<i class=f></i>" : c.present(i) ? "<i class=p></i>" : "<i class=m></i>");
	out << "</div>\n<div class=\"hours\">";
	for (int h = 0; h <= 24; h += 3)
		out << "<span style=\"left:" << h * 100 / 24 << "%\">" << (h < 10 ? "0" : "") << h << "Z</span>";
	out << "</div>\n";
	const auto gaps = c.longestGaps(5);
	if (!gaps.empty()) {
		out << "<ul class=\"gaps\">";
		for (const auto &g : gaps)
			out << "<li class=\"gap\">missing " << htmlEscape(localTime(g.start)) << " to "
			    << htmlEscape(localTime(g.end)) << " ("
			    << common::formatDuration(std::chrono::milliseconds((g.end - g.start) * 1000)) << ", "
			    << common::groupDigits(g.slots) << " frames)</li>";
		out << "</ul>\n";
	}
	return out.str();
}

/// Thumbnails of \a frames linking to them; \a up leads from the page to the mirror's root.
std::string thumbs(const std::vector<FrameId> &frames, const fs::path &mirror, const std::string &up,
		   const std::string &thumbsFrom, const char *cls)
{
	std::ostringstream out;
	out << "<div class=\"" << cls << "\">";
	for (const FrameId &f : frames) {
		std::error_code ec;
		const bool thumb = fs::file_size(mirror / "gallery" / thumbPath(f), ec) > 0 && !ec;
		const std::string frame = up + f.relativePath();
		const std::string local = localTime(f.seconds);
		out << "<a href=\"" << htmlEscape(frame) << "\"><img loading=\"lazy\" src=\""
		    << htmlEscape(thumb ? thumbsFrom + thumbPath(f) : frame) << "\" alt=\"" << htmlEscape(f.stem())
		    << "\" title=\"" << htmlEscape(local) << (f.unsynced ? " (unsynchronized clock)" : "") << "\"><span"
		    << (f.unsynced ? " class=\"unsynced\"" : "") << ">" << htmlEscape(local.substr(11, 5)) << "</span></a>";
	}
	out << "</div>\n";
	return out.str();
}

} // namespace

std::string htmlEscape(std::string_view text)
{
	std::string out;
	out.reserve(text.size());
	for (char c : text) {
		switch (c) {
		case '&': out += "&amp;"; break;
		case '<': out += "&lt;"; break;
		case '>': out += "&gt;"; break;
		case '"': out += "&quot;"; break;
		case '\'': out += "&#39;"; break;
		default: out += c;
		}
	}
	return out;
}

Gallery::Gallery(fs::path mirror, std::string sourceName)
	: mirror_(std::move(mirror)), name_(std::move(sourceName)), log_(common::logger("gallery"))
{
}

Gallery::~Gallery() = default;

std::vector<FrameId> Gallery::listDay(const std::string &dayPath) const
{
	const common::UniqueFd root = common::openFolderIfAny(mirror_);
	return root ? common::readDayAt(root.get(), dayPath).frames : std::vector<FrameId>{};
}

void Gallery::makeThumbnails(const std::string &dayPath, const std::vector<FrameId> &frames)
{
	const fs::path dir = mirror_ / "gallery" / "thumbs" / dayPath;
	fs::create_directories(dir);
	for (const FrameId &f : frames) {
		const fs::path thumb = dir / f.fileName();
		std::error_code ec;
		if (fs::file_size(thumb, ec) > 0 && !ec)
			continue; // made once, never again (an empty one is a crash's: made anew)
		std::ifstream in(mirror_ / f.relativePath(), std::ios::binary);
		const std::vector<std::uint8_t> jpeg{ std::istreambuf_iterator<char>(in), {} };
		std::string why;
		auto small = makeThumbnail(jpeg, kThumbWidth, why);
		if (!small) {
			log_->warn("no thumbnail for a frame source={} frame={} reason=\"{}\"", name_, f.relativePath(), why);
			continue;
		}
		// A cache: renamed into place whole, not fsynced (one lost to a power cut is made
		// again, as an empty one is).
		const fs::path tmp = dir / common::tempName(f.fileName());
		std::ofstream(tmp, std::ios::binary)
			.write(reinterpret_cast<const char *>(small->data()), static_cast<std::streamsize>(small->size()));
		fs::rename(tmp, thumb);
		++thumbnailsMade_;
	}
}

void Gallery::writeDayPage(const std::string &dayPath, const std::vector<FrameId> &frames, std::int64_t now)
{
	const Day &d = days_[dayPath];
	auto it = days_.find(dayPath);
	const std::string prev = it != days_.begin() ? dayName(std::prev(it)->first) + ".html" : "";
	const std::string next = std::next(it) != days_.end() ? dayName(std::next(it)->first) + ".html" : "";
	std::ostringstream html;
	html << pageStart(name_ + ": " + dayName(dayPath));
	html << "<p><a href=\"../index.html\">" << htmlEscape(name_) << "</a>";
	if (!prev.empty())
		html << " · <a rel=\"prev\" href=\"" << prev << "\">previous day</a>";
	if (!next.empty())
		html << " · <a rel=\"next\" href=\"" << next << "\">next day</a>";
	html << "</p>\n<h1>" << htmlEscape(name_) << ": " << dayName(dayPath) << " (UTC)</h1>\n";
	html << strip(dayPath, frames, std::chrono::seconds(d.interval), now);
	if (d.unsynced)
		html << "<p class=\"unsynced\">" << d.unsynced
		     << " frames named by a clock that was not synchronized (their times may be wrong)</p>\n";
	html << thumbs(frames, mirror_, "../", "", "thumbs");
	html << "</body></html>\n";
	writePage(mirror_ / "gallery" / (dayName(dayPath) + ".html"), html.str());
}

void Gallery::writeIndex(std::int64_t now)
{
	std::ostringstream html;
	html << pageStart(name_);
	html << "<h1>" << htmlEscape(name_) << "</h1>\n";
	if (const auto latest = common::readLatest(mirror_)) {
		html << "<p>newest frame, taken <time class=\"taken\" datetime=\"" << latest->iso() << "\">"
		     << htmlEscape(localTime(latest->seconds)) << "</time>, <span class=\"age\">" << age(now - latest->seconds)
		     << "</span>"
		     << (latest->unsynced ? " <span class=\"unsynced\">(by an unsynchronized clock)</span>" : "") << "</p>\n"
		     << "<a href=\"" << latest->relativePath() << "\"><img class=\"newest\" src=\"" << latest->relativePath()
		     << "\" alt=\"the newest frame, " << latest->stem() << "\"></a>\n";
	} else {
		html << "<p class=\"none\">no frames yet</p>\n";
	}
	// Today's strip always: a camera that stopped shows as a day going red.
	const std::string today = FrameId{ now }.dayPath();
	const auto known = days_.find(today);
	const std::int64_t interval = known != days_.end() ? known->second.interval
				      : days_.empty()      ? kDefaultInterval.count()
							   : days_.rbegin()->second.interval;
	const auto frames = known != days_.end() ? listDay(today) : std::vector<FrameId>{};
	html << "<h2>Today (" << (known != days_.end() ? "<a href=\"gallery/" + dayName(today) + ".html\">" : "")
	     << dayName(today) << (known != days_.end() ? "</a>" : "") << ")</h2>\n"
	     << strip(today, frames, std::chrono::seconds(interval), now);
	if (!frames.empty())
		html << thumbs(frames, mirror_, "", "gallery/", "thumbs today");
	html << "<h2>Days</h2>\n<ul class=\"days\">";
	for (auto it = days_.rbegin(); it != days_.rend(); ++it) {
		const std::int64_t start = dayStart(it->first);
		const std::int64_t slots = std::clamp<std::int64_t>((std::min(now, start + 86400) - start) / it->second.interval,
								    0, 86400 / it->second.interval);
		html << "<li><a href=\"gallery/" << dayName(it->first) << ".html\">" << dayName(it->first) << "</a> "
		     << common::groupDigits(it->second.frames) << " of " << common::groupDigits(static_cast<std::size_t>(slots))
		     << (it->second.unsynced ? " (+" + std::to_string(it->second.unsynced) + " unsynchronized)" : "")
		     << "</li>";
	}
	html << "</ul>\n";
	// An enhancement only: the age as the page is read, not as it was made.
	html << "<p class=\"made\">page made " << htmlEscape(localTime(now)) << "</p>\n";
	// An enhancement only: the age as the page is read, not as it was made.
	html << "<script>for(const t of document.querySelectorAll('time.taken')){const s=(Date.now()-Date.parse("
		"t.getAttribute('datetime')))/1000,a=t.parentNode.querySelector('.age');if(a&&s>=0)a.textContent="
		"(s<120?Math.round(s)+' s':s<7200?Math.round(s/60)+' min':s<172800?Math.round(s/3600)+' h':"
		"Math.round(s/86400)+' days')+' ago';}</script>\n";
	html << "</body></html>\n";
	writePage(mirror_ / "index.html", html.str());
}

void Gallery::loadDays()
{
	loaded_ = true;
	std::ifstream in(mirror_ / "gallery" / "days.txt");
	if (!in) {
		scanAllDays();
		return;
	}
	std::string day;
	Day d;
	while (in >> day >> d.frames >> d.unsynced >> d.interval)
		if (day.size() == 10 && d.interval > 0)
			days_[day] = d;
}

void Gallery::saveDays()
{
	std::ostringstream out;
	for (const auto &[day, d] : days_)
		out << day << ' ' << d.frames << ' ' << d.unsynced << ' ' << d.interval << '\n';
	writePage(mirror_ / "gallery" / "days.txt", out.str());
}

void Gallery::scanAllDays()
{
	// Once per mirror: the days pulled before there was a gallery (their pages link the
	// frames themselves until a round brings them thumbnails).
	const common::UniqueFd root = common::openFolderIfAny(mirror_);
	if (!root)
		return;
	try {
		common::forEachDay(root.get(), [&](const std::string &dayPath, int) {
			days_[dayPath] = Day{};
			return true;
		});
	} catch (const common::SystemError &e) {
		log_->warn("cannot list every day of the mirror source={} error=\"{}\"", name_, e.what());
	}
}

void Gallery::update(const std::set<std::string> &touched, std::chrono::system_clock::time_point now)
{
	thumbnailsMade_ = 0;
	const std::int64_t t = toSeconds(now);
	std::set<std::string> pages = touched;
	if (!loaded_) {
		const bool first = !fs::exists(mirror_ / "gallery" / "days.txt");
		loadDays();
		if (first)
			for (const auto &[day, d] : days_)
				pages.insert(day);
	}
	// Today's page changes with the time (its strip's future part) even without frames.
	if (days_.count(FrameId{ t }.dayPath()))
		pages.insert(FrameId{ t }.dayPath());
	for (const std::string &day : pages) {
		const auto frames = listDay(day);
		if (frames.empty()) {
			days_.erase(day);
			continue;
		}
		if (touched.count(day))
			makeThumbnails(day, frames);
		Day &d = days_[day];
		std::vector<std::int64_t> times;
		d.unsynced = 0;
		for (const FrameId &f : frames) {
			if (f.unsynced)
				++d.unsynced;
			else
				times.push_back(f.seconds);
		}
		d.frames = times.size();
		d.interval = common::inferInterval(times, kDefaultInterval).count();
	}
	// Pages after the list is complete: their previous and next links need it.
	for (const std::string &day : pages)
		if (days_.count(day))
			writeDayPage(day, listDay(day), t);
	saveDays();
	writeIndex(t);
	if (thumbnailsMade_)
		log_->debug("gallery updated source={} days={} thumbnails={}", name_, pages.size(), thumbnailsMade_);
}

Gallery::Summary Gallery::summary(std::chrono::system_clock::time_point now) const
{
	Summary s;
	s.name = name_;
	s.mirror = mirror_;
	if (auto latest = common::readLatest(mirror_)) {
		s.newestPath = latest->relativePath();
		s.newestTime = latest->seconds;
	}
	const std::int64_t t = toSeconds(now);
	if (auto it = days_.find(FrameId{ t }.dayPath()); it != days_.end()) {
		s.todayFound = it->second.frames;
		s.todayExpected = static_cast<std::size_t>((t - dayStart(it->first)) / it->second.interval);
	}
	return s;
}

void writeSourcesPage(const fs::path &dir, const std::vector<Gallery::Summary> &sources,
		      std::chrono::system_clock::time_point now)
{
	const std::int64_t t = toSeconds(now);
	std::ostringstream html;
	html << pageStart("lingercam: " + std::to_string(sources.size()) + " cameras") << "<h1>Cameras</h1>\n<ul>";
	for (const auto &s : sources) {
		const fs::path rel = s.mirror.lexically_relative(dir);
		const std::string link = htmlEscape((rel.empty() || rel.string().starts_with("..") ? s.mirror : rel).string());
		html << "<li><a href=\"" << link << "/index.html\">" << htmlEscape(s.name) << "</a>";
		if (!s.newestPath.empty())
			html << ": newest <a href=\"" << link << "/" << s.newestPath << "\">" << htmlEscape(localTime(s.newestTime))
			     << "</a> (" << age(t - s.newestTime) << "), today " << common::groupDigits(s.todayFound) << " of "
			     << common::groupDigits(s.todayExpected);
		else
			html << ": no frames yet";
		html << "</li>";
	}
	html << "</ul>\n</body></html>\n";
	writePage(dir / "index.html", html.str());
}

} // namespace lingercam::pull
