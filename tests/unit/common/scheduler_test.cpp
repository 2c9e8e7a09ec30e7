// SPDX-License-Identifier: BSD-2-Clause
// The scheduler on a fake clock: wall-clock slots, clock steps, overruns, interrupts.
#include <thread>

#include <gtest/gtest.h>

#include "common/scheduler.h"
#include "common/store_layout.h"
#include "support/fake_clock.h"

using namespace lingercam;
using namespace std::chrono_literals;
using common::Clock;
using common::Scheduler;
using test::FakeClock;
using test::utc;

namespace {

struct JobRun {
	Clock::WallTime slot;
	Clock::WallTime wall;
	Clock::MonoTime mono;
};

std::string hms(Clock::WallTime t)
{
	auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
	return common::FrameId{ s, 0 }.iso().substr(11, 8);
}

class AScheduler : public ::testing::Test {
protected:
	FakeClock clock{ utc(2026, 11, 23, 19, 38, 17) + 500ms };
	common::Interrupt interrupt;
	std::vector<JobRun> runs;

	/// Runs until \a count jobs ran; \a during(i) is called inside job i.
	void runJobs(std::size_t count, std::chrono::milliseconds interval, std::function<void(std::size_t)> during = {})
	{
		Scheduler scheduler(clock, interrupt, interval);
		scheduler.run([&](const Scheduler::Slot &slot) {
			runs.push_back({ slot.time, clock.wallNow(), clock.monotonicNow() });
			if (during)
				during(runs.size() - 1);
			if (runs.size() == count)
				interrupt.requestStop();
		});
	}
};

} // namespace

TEST_F(AScheduler, AlignsSlotsToWallClockMultiplesOfTheInterval)
{
	runJobs(3, 60s);
	ASSERT_EQ(runs.size(), 3u);
	EXPECT_EQ(hms(runs[0].wall), "19:39:00");
	EXPECT_EQ(hms(runs[1].wall), "19:40:00");
	EXPECT_EQ(hms(runs[2].wall), "19:41:00");
	for (std::chrono::nanoseconds s : clock.sleeps)
		EXPECT_LE(s, 5s) << "sleeps in short steps so it notices clock steps";
}

TEST_F(AScheduler, AlignsTenMinuteSlotsToTheHour)
{
	runJobs(2, 10min);
	EXPECT_EQ(hms(runs[0].wall), "19:40:00");
	EXPECT_EQ(hms(runs[1].wall), "19:50:00");
}

TEST_F(AScheduler, NeitherBurstsNorLeavesAGapWhenTheClockStepsBack)
{
	// After the first run the wall clock goes back an hour (a bad NTP server, `date -s`).
	runJobs(4, 60s, [&](std::size_t i) {
		if (i == 0)
			clock.stepWall(-1h);
	});
	ASSERT_EQ(runs.size(), 4u);
	for (std::size_t i = 1; i < runs.size(); ++i) {
		auto gap = runs[i].mono - runs[i - 1].mono;
		EXPECT_GT(gap, 0s) << "no burst";
		EXPECT_LE(gap, 60s) << "no gap longer than one interval of real time";
	}
	EXPECT_EQ(hms(runs[1].wall), "18:40:00") << "realigned to the new wall clock";
	EXPECT_EQ(hms(runs[2].wall), "18:41:00");
}

TEST_F(AScheduler, NeitherBurstsNorLeavesAGapWhenTheClockStepsForward)
{
	// A Pi without RTC boots with an old time, then NTP jumps it forward by hours.
	runJobs(4, 60s, [&](std::size_t i) {
		if (i == 0)
			clock.stepWall(3h + 20s);
	});
	ASSERT_EQ(runs.size(), 4u);
	for (std::size_t i = 1; i < runs.size(); ++i) {
		auto gap = runs[i].mono - runs[i - 1].mono;
		EXPECT_LE(gap, 60s) << "run " << i;
	}
	// One run for the missed slot, not 180 of them, then back on the minute.
	EXPECT_EQ(hms(runs[2].wall), "22:41:00");
	EXPECT_EQ(hms(runs[3].wall), "22:42:00");
	EXPECT_GE(runs[2].mono - runs[1].mono, 1s) << "the catch-up run is not followed by a burst";
}

TEST_F(AScheduler, SkipsSlotsAnOverrunningJobMissedInsteadOfQueueingThem)
{
	runJobs(3, 60s, [&](std::size_t i) {
		if (i == 0)
			clock.advance(150s); // 19:39:00 job runs until 19:41:30
	});
	ASSERT_EQ(runs.size(), 3u);
	EXPECT_EQ(hms(runs[0].wall), "19:39:00");
	EXPECT_EQ(hms(runs[1].wall), "19:42:00") << "19:40 and 19:41 are skipped, not run late";
	EXPECT_EQ(hms(runs[2].wall), "19:43:00");
}

TEST_F(AScheduler, RunsAtOnceWhenTriggeredAndKeepsItsSlots)
{
	interrupt.trigger();
	runJobs(3, 60s);
	EXPECT_EQ(hms(runs[0].wall), "19:38:17") << "triggered run happens now";
	EXPECT_EQ(hms(runs[1].wall), "19:39:00");
	EXPECT_EQ(hms(runs[2].wall), "19:40:00");
}

TEST_F(AScheduler, PassesOverSlotsOutsideTheFilter)
{
	Scheduler scheduler(clock, interrupt, 60s);
	scheduler.setSlotFilter([](Clock::WallTime t) { return hms(t) >= "19:41:00"; });
	scheduler.run([&](const Scheduler::Slot &slot) {
		runs.push_back({ slot.time, clock.wallNow(), clock.monotonicNow() });
		interrupt.requestStop();
	});
	ASSERT_EQ(runs.size(), 1u);
	EXPECT_EQ(hms(runs[0].wall), "19:41:00");
}

TEST(AnInterrupt, CutsABackoffShortOnStopButNotOnATrigger)
{
	common::Interrupt interrupt;
	interrupt.trigger();
	auto start = std::chrono::steady_clock::now();
	EXPECT_FALSE(interrupt.waitForStop(200ms));
	EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms) << "a trigger does not end a backoff";
	EXPECT_TRUE(interrupt.consumeTrigger()) << "and stays pending for the scheduler";

	std::thread stopper([&] {
		std::this_thread::sleep_for(50ms);
		interrupt.requestStop();
	});
	start = std::chrono::steady_clock::now();
	EXPECT_TRUE(interrupt.waitForStop(10s));
	EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
	stopper.join();
}
