// SPDX-License-Identifier: BSD-2-Clause
// systemd/install.sh (lingercam-install) run for real in a throwaway HOME, with the real
// lingercam-capture binary, and stand-ins on PATH for what only a booted systemd has:
// systemctl --user, loginctl, sudo, and id (to be user pi, uid 1000, even under root CI).
// The e2e test runs it against real systemd and logind.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <sys/wait.h>

#include "support/program.h"
#include "support/temp_dir.h"

using namespace lingercam;
namespace fs = std::filesystem;

namespace {

const fs::path kInstaller = fs::path(LINGERCAM_SOURCE_DIR) / "systemd" / "install.sh";
const fs::path kCaptureBin = fs::path(LINGERCAM_BINARY_DIR) / "capture" / "lingercam-capture";

std::string slurp(const fs::path &p)
{
	std::ifstream in(p);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeExecutable(const fs::path &p, const std::string &text)
{
	std::ofstream(p) << text;
	fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

// State lives in files under STUB_STATE, so consecutive runs see what earlier ones did.
const char *kSystemctl = R"(#!/bin/bash
echo "systemctl $*" >>"$STUB_STATE/calls"
[ "$1" = --user ] || exit 1; shift
case "$1" in
  show-environment) [ -e "$STUB_STATE/no-manager" ] && exit 1; echo "HOME=$HOME" ;;
  daemon-reload|reset-failed|status) ;;
  enable) touch "$STUB_STATE/enabled-${@: -1}" ;;
  start|restart) [ -e "$STUB_STATE/fail-start" ] && exit 1; touch "$STUB_STATE/active-${@: -1}" ;;
  disable) rm -f "$STUB_STATE/enabled-${@: -1}" "$STUB_STATE/active-${@: -1}" ;;
  stop) rm -f "$STUB_STATE/active-${@: -1}" ;;
  show) ;;
  is-active) [ -e "$STUB_STATE/active-$2" ] && { echo active; exit 0; }; echo inactive; exit 3 ;;
  is-enabled) [ -e "$STUB_STATE/enabled-$2" ] && { echo enabled; exit 0; }; echo disabled; exit 1 ;;
  cat) [ -e "$STUB_STATE/enabled-$2" ] ;;
  *) echo "stub systemctl: unexpected $*" >&2; exit 1 ;;
esac
)";

const char *kLoginctl = R"(#!/bin/bash
echo "loginctl $* sudo=${STUB_AS_ROOT:-no}" >>"$STUB_STATE/calls"
case "$1" in
  show-user) [ -e "$STUB_STATE/linger" ] && echo yes || echo no ;;
  enable-linger)
    if [ -e "$STUB_STATE/polkit-refuses" ] && [ -z "${STUB_AS_ROOT:-}" ]; then
      echo "Could not enable linger: Access denied" >&2; exit 1
    fi
    touch "$STUB_STATE/linger" ;;
  disable-linger) rm -f "$STUB_STATE/linger" ;;
  *) exit 1 ;;
esac
)";

// The user manager's unit search path: the folders listed in STUB_STATE/unit-paths, so the
// build machine's own /usr/lib/systemd/user never plays a part.
const char *kSystemdAnalyze = R"(#!/bin/bash
[ "$*" = "--user unit-paths" ] || { echo "stub systemd-analyze: unexpected $*" >&2; exit 1; }
cat "$STUB_STATE/unit-paths" 2>/dev/null || true
)";

const char *kSudo = R"(#!/bin/bash
echo "sudo $*" >>"$STUB_STATE/calls"
[ "$1" = -n ] && shift
STUB_AS_ROOT=1 exec "$@"
)";

const char *kId = R"(#!/bin/bash
case "$*" in
  -u) echo 1000 ;;
  -un) echo pi ;;
  "-nG pi") cat "$STUB_STATE/groups" 2>/dev/null || echo "pi video" ;;
  *) exec /usr/bin/id "$@" ;;
esac
)";

class TheInstaller : public ::testing::Test {
protected:
	TheInstaller()
	{
		fs::create_directories(home());
		fs::create_directories(stubs());
		fs::create_directories(state());
		fs::create_directories(build());
		writeExecutable(stubs() / "systemctl", kSystemctl);
		writeExecutable(stubs() / "loginctl", kLoginctl);
		writeExecutable(stubs() / "sudo", kSudo);
		writeExecutable(stubs() / "systemd-analyze", kSystemdAnalyze);
		writeExecutable(stubs() / "id", kId);
		// A build tree as --from expects it: build/capture/lingercam-capture.
		fs::create_directories(build() / "capture");
		test::placeProgram("capture/lingercam-capture", build() / "capture" / "lingercam-capture");
	}

	fs::path home() const { return dir.path() / "home"; }
	fs::path stubs() const { return dir.path() / "stubs"; }
	fs::path state() const { return dir.path() / "state"; }
	fs::path build() const { return dir.path() / "build"; }
	fs::path unit() const { return home() / ".config/systemd/user/capture.service"; }
	fs::path config() const { return home() / ".config/lingercam/capture.toml"; }
	std::string calls() const { return slurp(state() / "calls"); }

	/// A packaged capture.service (as the .deb puts it in /usr/lib/systemd/user) whose
	/// ExecStart runs \a program; the user manager's search path then holds its folder.
	fs::path packagedUnit(const fs::path &program)
	{
		const fs::path d = dir.path() / "usr/lib/systemd/user";
		fs::create_directories(d);
		const std::string cmd = "sed 's|^ExecStart=.*|ExecStart=" + program.string() + " run|' " +
					(fs::path(LINGERCAM_SOURCE_DIR) / "systemd/capture.service").string() + " >" +
					(d / "capture.service").string();
		EXPECT_EQ(std::system(cmd.c_str()), 0);
		std::ofstream(state() / "unit-paths")
			<< (home() / ".config/systemd/user").string() << "\n/etc/systemd/user\n" << d.string() << "\n";
		return d / "capture.service";
	}

	/// Runs the installer with \a args; its stdout and stderr end up in output.
	int install(const std::string &args)
	{
		fs::remove(state() / "calls");
		const std::string cmd = "env -i PATH=" + stubs().string() + ":/usr/bin:/bin HOME=" + home().string() +
					" STUB_STATE=" + state().string() + " bash " + kInstaller.string() + " " + args +
					" >" + (dir.path() / "out").string() + " 2>&1 </dev/null";
		int status = std::system(cmd.c_str());
		output = slurp(dir.path() / "out");
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}

	test::TempDir dir;
	std::string output;
};

} // namespace

TEST_F(TheInstaller, RejectsBadUsageWithStatus2)
{
	EXPECT_EQ(install(""), 2);
	EXPECT_NE(output.find("say which daemon"), std::string::npos) << output;
	EXPECT_EQ(install("camera"), 2);
	EXPECT_NE(output.find("unknown daemon 'camera'"), std::string::npos) << output;
	EXPECT_EQ(install("--frobnicate capture"), 2);
	EXPECT_EQ(install("--disable-linger capture"), 2) << "only with --uninstall";
	EXPECT_EQ(install("--use-installed --from /x capture"), 2);
	EXPECT_EQ(install("--help"), 0);
	EXPECT_NE(output.find("Usage: lingercam-install"), std::string::npos) << output;
}

TEST_F(TheInstaller, InstallsBinaryUnitAndConfigEnablesLingeringAndSaysHowToWatch)
{
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	const fs::path bin = home() / ".local/bin/lingercam-capture";
	EXPECT_TRUE(fs::exists(bin));
	EXPECT_TRUE(fs::exists(home() / ".local/bin/lingercam-install")) << "the installer goes along";
	const std::string unitText = slurp(unit());
	EXPECT_NE(unitText.find("ExecStart=" + bin.string() + " run\n"), std::string::npos) << unitText;
	EXPECT_NE(unitText.find("Type=notify"), std::string::npos);
	EXPECT_NE(unitText.find("RestartPreventExitStatus=78"), std::string::npos);
	EXPECT_NE(slurp(config()).find("#interval = \"1m\""), std::string::npos) << "a commented default config";

	const std::string c = calls();
	EXPECT_NE(c.find("systemctl --user daemon-reload"), std::string::npos) << c;
	EXPECT_NE(c.find("systemctl --user enable --quiet capture.service"), std::string::npos) << c;
	EXPECT_NE(c.find("systemctl --user start capture.service"), std::string::npos) << c;
	EXPECT_NE(c.find("loginctl enable-linger sudo=no"), std::string::npos) << "the user itself, through polkit: " << c;
	EXPECT_EQ(c.find("sudo "), std::string::npos) << c;
	EXPECT_LT(c.find("enable-linger"), c.find("start capture.service"))
		<< "lingering first, so the daemon's start-up check finds it on: " << c;
	EXPECT_NE(output.find("Linger=yes"), std::string::npos) << output;
	EXPECT_NE(output.find("capture.service is enabled and active"), std::string::npos) << output;
	EXPECT_NE(output.find("journalctl --user -u capture -f"), std::string::npos) << output;
}

TEST_F(TheInstaller, IsIdempotentAndNeverOverwritesAConfig)
{
	fs::create_directories(config().parent_path());
	std::ofstream(config()) << "interval = \"2s\"\nsource = \"testpattern\"\n";
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	const std::string unitBefore = slurp(unit());

	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	EXPECT_EQ(slurp(config()), "interval = \"2s\"\nsource = \"testpattern\"\n");
	EXPECT_NE(output.find("keeping your config"), std::string::npos) << output;
	EXPECT_EQ(slurp(unit()), unitBefore);
	EXPECT_NE(output.find("unchanged"), std::string::npos) << output;
	EXPECT_NE(output.find("already running"), std::string::npos) << output;
	EXPECT_NE(output.find("already lingers"), std::string::npos) << output;
	const std::string c = calls();
	EXPECT_EQ(c.find("restart"), std::string::npos) << "nothing changed, nothing restarted: " << c;
	EXPECT_EQ(c.find("enable-linger"), std::string::npos) << c;
}

TEST_F(TheInstaller, RestartsTheServiceWhenTheBinaryChanged)
{
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	std::ofstream(build() / "capture" / "lingercam-capture", std::ios::app) << "\n";
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	EXPECT_NE(calls().find("systemctl --user restart capture.service"), std::string::npos) << calls();
}

TEST_F(TheInstaller, UsesSudoForLingeringOnlyWhenPolkitRefusesAndSaysWhy)
{
	std::ofstream(state() / "polkit-refuses") << "";
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	EXPECT_NE(output.find("was refused"), std::string::npos) << output;
	EXPECT_NE(output.find("polkit does not let pi change"), std::string::npos) << output;
	EXPECT_NE(calls().find("sudo -n loginctl enable-linger pi"), std::string::npos) << calls();
	EXPECT_TRUE(fs::exists(state() / "linger"));
}

TEST_F(TheInstaller, UsesInstalledBinariesWhereAsked)
{
	const fs::path prefix = dir.path() / "opt";
	fs::create_directories(prefix / "bin");
	test::placeProgram("capture/lingercam-capture", prefix / "bin" / "lingercam-capture");
	ASSERT_EQ(install("--use-installed --prefix " + prefix.string() + " capture"), 0) << output;
	EXPECT_NE(slurp(unit()).find("ExecStart=" + (prefix / "bin/lingercam-capture").string() + " run\n"),
		  std::string::npos);
	EXPECT_FALSE(fs::exists(home() / ".local/bin/lingercam-capture")) << "nothing copied";
}

TEST_F(TheInstaller, UsesAPackagedUnitThatRunsTheInstalledBinaryAndRemovesItsOwnCopy)
{
	const fs::path prefix = dir.path() / "usr";
	fs::create_directories(prefix / "bin");
	test::placeProgram("capture/lingercam-capture", prefix / "bin" / "lingercam-capture");
	const fs::path packaged = packagedUnit(prefix / "bin" / "lingercam-capture");
	// A copy an earlier run wrote, before the package came: it would hide the packaged unit.
	fs::create_directories(unit().parent_path());
	std::ofstream(unit()) << "[Service]\nExecStart=/old/lingercam-capture run\n";

	ASSERT_EQ(install("--use-installed --prefix " + prefix.string() + " capture"), 0) << output;
	EXPECT_FALSE(fs::exists(unit())) << "one unit of that name: the packaged one";
	EXPECT_NE(output.find("using " + packaged.string()), std::string::npos) << output;
	EXPECT_NE(output.find("enabled for pi only"), std::string::npos) << output;
	EXPECT_NE(calls().find("systemctl --user enable --quiet capture.service"), std::string::npos) << calls();
	EXPECT_FALSE(fs::exists(home() / ".local/bin/lingercam-capture")) << "nothing copied";

	// Again: nothing to change, nothing restarted.
	ASSERT_EQ(install("--use-installed --prefix " + prefix.string() + " capture"), 0) << output;
	EXPECT_NE(output.find("already running"), std::string::npos) << output;
	EXPECT_EQ(calls().find("restart"), std::string::npos) << calls();
}

TEST_F(TheInstaller, WritesItsOwnUnitInPlaceOfAPackagedOneThatRunsAnotherBinary)
{
	const fs::path packaged = packagedUnit("/usr/bin/lingercam-capture");
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	const fs::path bin = home() / ".local/bin/lingercam-capture";
	EXPECT_NE(slurp(unit()).find("ExecStart=" + bin.string() + " run\n"), std::string::npos) << slurp(unit());
	EXPECT_NE(output.find("takes the place of " + packaged.string()), std::string::npos) << output;
}

TEST_F(TheInstaller, UninstallRemovesTheLinkOfAUnitWhosePackageWasRemovedFirst)
{
	const fs::path wants = home() / ".config/systemd/user/default.target.wants";
	fs::create_directories(wants);
	fs::create_symlink("/usr/lib/systemd/user/capture.service", wants / "capture.service");
	ASSERT_EQ(install("--uninstall capture"), 0) << output;
	EXPECT_FALSE(fs::is_symlink(wants / "capture.service")) << output;
	EXPECT_NE(calls().find("systemctl --user stop capture.service"), std::string::npos) << calls();
}

TEST_F(TheInstaller, StopsBeforeStartingWhenTheConfigIsInvalid)
{
	fs::create_directories(config().parent_path());
	std::ofstream(config()) << "interval = \"soon\"\n";
	EXPECT_EQ(install("--from " + build().string() + " capture"), 1) << output;
	EXPECT_NE(output.find("is not valid"), std::string::npos) << output;
	EXPECT_NE(output.find("interval"), std::string::npos) << "check-config's own message: " << output;
	EXPECT_EQ(calls().find("start capture.service"), std::string::npos) << calls();
}

TEST_F(TheInstaller, WarnsWhenTheUserMayNotUseTheCamera)
{
	std::ofstream(state() / "groups") << "pi users\n";
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	EXPECT_NE(output.find("not in group video"), std::string::npos) << output;
	EXPECT_NE(output.find("sudo usermod -aG video pi"), std::string::npos) << output;
}

TEST_F(TheInstaller, ExplainsAMissingUserManager)
{
	std::ofstream(state() / "no-manager") << "";
	EXPECT_EQ(install("--from " + build().string() + " capture"), 1);
	EXPECT_NE(output.find("cannot reach your systemd user manager"), std::string::npos) << output;
}

TEST_F(TheInstaller, UninstallRemovesWhatItPutThereButKeepsConfigAndLingeringUnlessAsked)
{
	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	ASSERT_EQ(install("--uninstall capture"), 0) << output;
	EXPECT_FALSE(fs::exists(unit()));
	EXPECT_FALSE(fs::exists(home() / ".local/bin/lingercam-capture"));
	EXPECT_TRUE(fs::exists(config())) << "configs are the user's";
	EXPECT_NE(calls().find("systemctl --user disable --now --quiet capture.service"), std::string::npos) << calls();
	EXPECT_TRUE(fs::exists(state() / "linger")) << "lingering only if asked";

	ASSERT_EQ(install("--from " + build().string() + " capture"), 0) << output;
	ASSERT_EQ(install("--uninstall --disable-linger capture"), 0) << output;
	EXPECT_FALSE(fs::exists(state() / "linger"));
	EXPECT_NE(output.find("lingering for pi is off"), std::string::npos) << output;
}

TEST_F(TheInstaller, DryRunChangesNothing)
{
	ASSERT_EQ(install("--dry-run --from " + build().string() + " capture"), 0) << output;
	EXPECT_FALSE(fs::exists(unit()));
	EXPECT_FALSE(fs::exists(home() / ".local/bin/lingercam-capture"));
	EXPECT_NE(output.find("would run: systemctl --user start capture.service"), std::string::npos) << output;
}

TEST(TheUnitFiles, PassSystemdAnalyzeVerify)
{
	test::TempDir dir;
	for (const char *u : { "capture.service", "pull.service" }) {
		// As the installer writes them: ExecStart made absolute, to a binary that exists.
		const std::string cmd = "sed 's|^ExecStart=.*|ExecStart=" + kCaptureBin.string() + " run|' " +
					(fs::path(LINGERCAM_SOURCE_DIR) / "systemd" / u).string() + " >" +
					(dir.path() / u).string();
		ASSERT_EQ(std::system(cmd.c_str()), 0);
	}
	const std::string verify = "cd " + dir.path().string() +
				   " && systemd-analyze verify --man=no ./capture.service ./pull.service >out 2>&1";
	int status = std::system(verify.c_str());
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(dir.path() / "out");
	EXPECT_EQ(slurp(dir.path() / "out"), "") << "no warnings either";
}
