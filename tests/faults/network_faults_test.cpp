// SPDX-License-Identifier: BSD-2-Clause
// A cut link: pull catching up 1,000 frames from a camera host in another network namespace
// while the link between them goes down and comes back ten times.
#include "fault_test.h"

#include <algorithm>
#include <atomic>
#include <map>

#include "pull/sftp_remote_store.h"

namespace {

/// One SFTP session's log per file: sftp-server's stderr, named by the pid of the shell sshd
/// runs it with (the shell opens it as the session starts; a test of a few hundred processes
/// does not see a pid again). A session whose log is not there yet began later than the
/// moment it was looked for.
using Sessions = std::map<std::string, std::uintmax_t>; // log file name -> its size

Sessions sessionsIn(const fs::path &logs)
{
	Sessions out;
	std::error_code ec;
	for (const auto &e : fs::directory_iterator(logs, ec))
		out[e.path().filename().string()] = e.file_size(ec);
	return out;
}

/// A frame that sftp-server opened for reading: `open "PATH" flags READ mode 0666`.
struct Open {
	std::string session;
	std::uintmax_t offset = 0; ///< of the line in the session's log
	std::string frame;         ///< store-relative
};

std::vector<Open> opensIn(const fs::path &logs, const fs::path &remote)
{
	std::vector<Open> out;
	const std::string prefix = "open \"" + remote.string() + "/";
	for (const auto &[session, size] : sessionsIn(logs)) {
		std::ifstream in(logs / session);
		std::uintmax_t offset = 0;
		for (std::string line; std::getline(in, line); offset += line.size() + 1) {
			if (!line.starts_with(prefix))
				continue;
			const auto end = line.find('"', prefix.size());
			if (end != std::string::npos && line.compare(end, 13, "\" flags READ ") == 0)
				out.push_back({ session, offset, line.substr(prefix.size(), end - prefix.size()) });
		}
	}
	return out;
}

/// A cut, and what held when it began.
struct Cut {
	std::chrono::milliseconds hold{ 0 };
	std::set<std::string> mirror; ///< frames a reader saw in the mirror
	Sessions sessions;            ///< SFTP sessions begun, and how far each had logged
	bool midCatchUp = false;      ///< frames were still missing
};

// Pull catching up 1,000 frames over a shaped link (tc tbf, and a delay proxy for the round
// trip) to a camera host in another network namespace, while the camera's end of the link
// is set down and up ten times, for 1 to 8 s: some cuts shorter than io_timeout, some
// longer. Rounds of `once` run until the mirror is complete. All the while a reader sees only
// whole frames, the camera's byte for byte; in the end every frame is there; and sftp-server's
// own log shows that no frame was fetched again once it was whole in the mirror, and that
// the frames fetched twice are the ones a cut interrupted.
TEST(Network, LinkCutTenTimesDuringACatchUpShowsNothingPartialAndRefetchesOnlyInterruptedFrames)
{
	const auto t0 = std::chrono::steady_clock::now();
	constexpr int kFrames = 1000;
	constexpr unsigned kCuts = 10;
	const std::string rate = "24mbit";
	constexpr auto kRtt = 30ms;
	constexpr auto kIoTimeout = 4s;
	TempDir tmp;
	const fs::path remote = tmp.path() / "camera" / "store";
	const fs::path local = tmp.path() / "mirror";
	const fs::path logs = tmp.path() / "sftp-sessions";
	fs::create_directories(logs);
	fillCameraStore(remote, kFrames, 100'000);

	TwoHosts link(rate, kRtt);
	// sshd runs the subsystem through the user's shell: $$ names each session's log.
	SshdHarness sshd(tmp.path() / "sshd",
			 "/usr/lib/openssh/sftp-server -e -l INFO 2>>" + (logs / "session-$$.log").string(),
			 SshdListen{ link.camera(), TwoHosts::kCameraAddress });
	sshd.start();
	link.forward(sshd.port(), tmp.path() / "proxy.log");
	const std::string config = pullConfig(tmp.path(), sshd, remote, local);
	{
		// A cut longer than io_timeout ends the connection; retries are per outage.
		std::string text = slurp(config);
		replaceIn(text, "io_timeout = \"10s\"\nretries = 0\n",
			  "io_timeout = \"4s\"\nconnect_timeout = \"4s\"\nretries = 3\nretry_backoff = \"1s\"\n"
			  "round_timeout = \"3m\"\n");
		std::ofstream(config) << text;
	}

	// Five holds shorter than io_timeout and five longer, in a random order.
	std::vector<std::chrono::milliseconds> holds;
	for (unsigned i = 0; i < kCuts; ++i) {
		const auto hold = i % 2 ? uniform(kIoTimeout + 500ms, 8s) : uniform(1s, kIoTimeout - 500ms);
		holds.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(hold));
	}
	std::shuffle(holds.begin(), holds.end(), rng());

	std::atomic<bool> done{ false };
	std::vector<Cut> cuts;
	std::vector<std::string> stalls; // no frame came after a restore within the bound
	auto cutTenTimes = [&] {
		for (const auto hold : holds) {
			// Each cut falls while frames flow: one more frame since the link came back
			// (or since the start), then a moment more.
			const std::size_t before = framesIn(local).size();
			const auto until = std::chrono::steady_clock::now() + 60s;
			while (!done && framesIn(local).size() <= before && std::chrono::steady_clock::now() < until)
				std::this_thread::sleep_for(20ms);
			if (done)
				return;
			if (framesIn(local).size() <= before)
				stalls.push_back("no frame came within 60 s after cut " + std::to_string(cuts.size()));
			std::this_thread::sleep_for(uniform(200ms, 2s));
			Cut c;
			c.hold = hold;
			c.mirror = framesIn(local);
			c.sessions = sessionsIn(logs); // after the mirror: a session not here began later
			c.midCatchUp = c.mirror.size() < static_cast<std::size_t>(kFrames);
			link.cut();
			cuts.push_back(std::move(c));
			std::this_thread::sleep_for(hold);
			link.restore();
		}
	};
	std::thread cutter([&] {
		try {
			cutTenTimes();
		} catch (const std::exception &e) {
			stalls.push_back(std::string("a cut failed: ") + e.what());
			try {
				link.restore();
			} catch (const std::exception &) {
			}
		}
	});

	// A reader looking at the mirror all along: each frame, the first time it shows, is
	// compared with the camera's. For each, the sessions begun by then.
	std::map<std::string, std::set<std::string>> sessionsWhenWhole;
	std::vector<std::string> partial;
	unsigned samples = 0, latestBroken = 0;
	std::thread reader([&] {
		for (bool last = false; !last;) {
			last = done;
			const auto seen = framesIn(local);
			const Sessions sessions = sessionsIn(logs);
			for (const auto &f : seen) {
				if (sessionsWhenWhole.count(f))
					continue;
				auto &s = sessionsWhenWhole[f];
				for (const auto &[name, size] : sessions)
					s.insert(name);
				if (readBytes(local / f) != readBytes(remote / f))
					partial.push_back(f);
			}
			latestBroken += !latestPointsToAFrame(local);
			++samples;
			std::this_thread::sleep_for(20ms);
		}
	});

	// Rounds until the mirror is complete. A round that gave up during a long cut (its
	// retries spent) is followed by the next, as the daemon's next interval would.
	unsigned rounds = 0, failedRounds = 0, retries = 0, resumed = 0;
	std::string lastLog;
	bool complete = false;
	while (!complete && rounds < 40) {
		Proc p = spawn(link.onViewer(pullArgs(config, "once")), tmp.path() / ("pull-" + std::to_string(rounds) + ".log"));
		// round_timeout is 3 min: past that and a minute more, the round hung.
		const Exit e = waitFor(p, 4min);
		++rounds;
		lastLog = slurp(p.out);
		retries += countLines(lastLog, "connection problem, retrying");
		resumed += countLines(lastLog, "resuming a partial frame");
		EXPECT_FALSE(e.overran) << "round " << rounds << " ran past its round_timeout:\n" << lastLog.substr(0, 4000);
		failedRounds += !(e.exited && e.code == 0);
		complete = e.exited && e.code == 0 && framesIn(local).size() >= static_cast<std::size_t>(kFrames);
	}
	done = true;
	cutter.join();
	reader.join();
	const double took = since(t0);

	const auto present = framesIn(local);
	std::size_t valid = 0, torn = partial.size();
	for (const auto &f : present)
		readBytes(local / f) == readBytes(remote / f) ? ++valid : ++torn;
	const std::size_t lost = kFrames - std::min<std::size_t>(valid, kFrames);

	// What sftp-server opened, per frame. A frame opened by a session that began after the
	// frame was whole in the mirror was fetched for nothing. A frame opened twice must have
	// been in flight at a cut: opened by a session the cut met, the frame not whole yet,
	// and again by a session begun after it.
	const std::vector<Open> opens = opensIn(logs, remote);
	std::map<std::string, std::vector<std::string>> sessionsOf; // frame -> sessions that opened it
	std::vector<std::string> refetched, unexplained;
	for (const Open &o : opens) {
		sessionsOf[o.frame].push_back(o.session);
		const auto whole = sessionsWhenWhole.find(o.frame);
		if (whole != sessionsWhenWhole.end() && !whole->second.count(o.session))
			refetched.push_back(o.frame + " by " + o.session);
	}
	std::size_t twice = 0, thrice = 0;
	for (const auto &[frame, sessions] : sessionsOf) {
		if (sessions.size() < 2)
			continue;
		++twice;
		thrice += sessions.size() > 2;
		const bool inFlightAtACut = std::any_of(cuts.begin(), cuts.end(), [&](const Cut &c) {
			auto met = [&](const std::string &s) { return c.sessions.count(s) > 0; };
			return !c.mirror.count(frame) && std::any_of(sessions.begin(), sessions.end(), met) &&
			       !std::all_of(sessions.begin(), sessions.end(), met);
		});
		if (!inFlightAtACut)
			unexplained.push_back(frame);
	}
	unsigned midCatchUp = 0, shorter = 0;
	std::string holdText;
	for (const Cut &c : cuts) {
		midCatchUp += c.midCatchUp;
		shorter += c.hold < kIoTimeout;
		char h[16];
		std::snprintf(h, sizeof h, "%s%.1f", holdText.empty() ? "" : " ", static_cast<double>(c.hold.count()) / 1000);
		holdText += h;
	}
	const unsigned reconnects = retries + rounds - 1;
	std::printf("network cuts: %zu cuts of %s s (%u shorter than io_timeout %lld s), %u mid-catch-up; %u rounds (%u "
		    "failed), %u reconnects within them, %zu SFTP sessions; %zu frames opened twice (%zu three times or "
		    "more), %u resumed from a .part, %zu refetched after they were whole; %zu partial seen in %u looks; %s "
		    "at %lld ms RTT; %.1f s\n",
		    cuts.size(), holdText.c_str(), shorter, static_cast<long long>(kIoTimeout.count()), midCatchUp, rounds,
		    failedRounds, retries, sessionsIn(logs).size(), twice, thrice, resumed, refetched.size(), partial.size(),
		    samples, rate.c_str(), static_cast<long long>(kRtt.count()), took);
	table().push_back({ "link cut 10x during a 1,000-frame catch-up", static_cast<unsigned>(cuts.size()),
			    static_cast<std::size_t>(kFrames), valid, lost, torn, reconnects, took,
			    std::to_string(twice) + " frames fetched twice (all in flight at a cut), " +
				    std::to_string(refetched.size()) + " refetched after they were complete; " + rate + ", " +
				    std::to_string(kRtt.count()) + " ms RTT; restarts: reconnects after the first" });

	EXPECT_TRUE(complete) << "the mirror was not complete after " << rounds << " rounds; the last:\n"
			      << lastLog.substr(0, 4000);
	EXPECT_EQ(cuts.size(), kCuts);
	EXPECT_EQ(midCatchUp, kCuts) << "the catch-up ended before the last cut: a lower rate makes it last";
	EXPECT_TRUE(stalls.empty()) << stalls.front();
	EXPECT_EQ(valid, static_cast<std::size_t>(kFrames));
	EXPECT_EQ(lost, 0u);
	EXPECT_TRUE(partial.empty()) << partial.size() << " partial frame(s) visible, the first " << partial.front();
	EXPECT_EQ(torn, 0u);
	EXPECT_EQ(latestBroken, 0u) << "latest.jpg pointed nowhere";
	EXPECT_TRUE(fs::is_symlink(local / "latest.jpg"));
	EXPECT_TRUE(latestPointsToAFrame(local));
	EXPECT_EQ(leftovers(local), 0u) << "a .part was left in the mirror";
	// The log is read right: every frame was opened at least once.
	EXPECT_EQ(sessionsOf.size(), static_cast<std::size_t>(kFrames)) << opens.size() << " opens in " << logs;
	EXPECT_TRUE(refetched.empty()) << refetched.size() << " frame(s) fetched again after they were whole, the first "
				       << refetched.front();
	EXPECT_TRUE(unexplained.empty()) << unexplained.size() << " frame(s) opened twice that no cut interrupted, the "
					 << "first " << unexplained.front();
	// A cut ends at most one session (they follow one another), and a session has at most
	// maxOpenFiles frames open, each of them interrupted at most once by its end.
	EXPECT_LE(twice, cuts.size() * pull::FetchTuning{}.maxOpenFiles);
}

} // namespace
