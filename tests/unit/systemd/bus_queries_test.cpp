// SPDX-License-Identifier: BSD-2-Clause
// logind, timedate1 and the user's systemd, asked the way the daemons and doctor ask them,
// answered by stand-ins on a private dbus-daemon.
#include <gtest/gtest.h>

#include <unistd.h>

#include "common/linger_check.h"
#include "common/time_sync.h"
#include "common/user_unit.h"
#include "fake_system_services.h"
#include "private_bus.h"

using namespace lingercam;

namespace {

class OnAPrivateBus : public ::testing::Test {
protected:
	test::PrivateBus bus;
	test::FakeSystemServices services{ bus.connect() };
	std::unique_ptr<sdbus::IConnection> client = bus.connect();
};

} // namespace

TEST_F(OnAPrivateBus, TheLingerCheckSaysYesWhenLogindSaysLinger)
{
	services.linger = true;
	services.serve(true, false, false);
	common::LingerStatus s = common::queryLinger(*client, ::getuid());
	EXPECT_EQ(s.state, common::LingerStatus::State::Yes) << s.detail;
	EXPECT_TRUE(s.lingers());
	EXPECT_EQ(s.user, common::userName(::getuid()));
	EXPECT_EQ(common::lingerWarning(s, "capture.service"), "");
}

TEST_F(OnAPrivateBus, TheLingerCheckSaysNoWhenTheUserDoesNotLinger)
{
	services.linger = false;
	services.serve(true, false, false);
	EXPECT_EQ(common::queryLinger(*client, ::getuid()).state, common::LingerStatus::State::No);
}

TEST_F(OnAPrivateBus, TheLingerCheckSaysNoWhenLogindDoesNotKnowTheUser)
{
	// logind forgets a user who has no session and does not linger: NoSuchUser.
	services.userKnown = false;
	services.serve(true, false, false);
	EXPECT_EQ(common::queryLinger(*client, ::getuid()).state, common::LingerStatus::State::No);
}

TEST_F(OnAPrivateBus, TheLingerCheckSaysUnknownAndWhyWhenLogindIsAbsent)
{
	services.serve(false, false, false);
	common::LingerStatus s = common::queryLinger(*client, ::getuid());
	EXPECT_EQ(s.state, common::LingerStatus::State::Unknown);
	EXPECT_NE(s.detail.find("logind did not answer"), std::string::npos) << s.detail;
	EXPECT_NE(common::lingerWarning(s, "capture.service").find("cannot tell whether user"), std::string::npos);
}

TEST(TheLingerWarning, SaysWhatWillHappenAndTheCommandThatFixesIt)
{
	common::LingerStatus s{ common::LingerStatus::State::No, "pi", "" };
	std::string w = common::lingerWarning(s, "capture.service");
	EXPECT_NE(w.find("user pi does not linger"), std::string::npos) << w;
	EXPECT_NE(w.find("systemd stops capture.service about 10 s after pi's last session ends"), std::string::npos) << w;
	EXPECT_NE(w.find("loginctl enable-linger pi"), std::string::npos) << w;
}

TEST_F(OnAPrivateBus, TimeSyncReadsNtpSynchronizedFromTimedate1)
{
	services.ntpSynchronized = false;
	services.serve(false, true, false);
	common::TimeSyncStatus s = common::queryTimeSync(*client);
	ASSERT_TRUE(s.synchronized.has_value()) << s.detail;
	EXPECT_FALSE(*s.synchronized);
	EXPECT_EQ(s.ntpEnabled, true);
}

TEST_F(OnAPrivateBus, TimeSyncIsUnknownWithoutTimedated)
{
	services.serve(false, false, false);
	common::TimeSyncStatus s = common::queryTimeSync(*client);
	EXPECT_FALSE(s.synchronized.has_value());
	EXPECT_NE(s.detail.find("timedated did not answer"), std::string::npos) << s.detail;
}

TEST_F(OnAPrivateBus, TheUserUnitQueryReadsTheUnitsStatesFromTheUsersSystemd)
{
	services.activeState = "failed";
	services.unitFileState = "enabled";
	services.serve(false, false, true);
	common::UserUnitState u = common::queryUserUnit(*client, "capture.service");
	ASSERT_TRUE(u.known()) << u.detail;
	EXPECT_EQ(u.loadState, "loaded");
	EXPECT_EQ(u.activeState, "failed");
	EXPECT_EQ(u.subState, "dead");
	EXPECT_TRUE(u.enabled());
	EXPECT_FALSE(u.active());
}

TEST_F(OnAPrivateBus, TheUserUnitQueryIsUnknownWithoutAUserManager)
{
	services.serve(false, false, false);
	common::UserUnitState u = common::queryUserUnit(*client, "capture.service");
	EXPECT_FALSE(u.known());
	EXPECT_NE(u.detail.find("did not answer"), std::string::npos) << u.detail;
}
