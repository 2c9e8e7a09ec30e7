// SPDX-License-Identifier: BSD-2-Clause
// `lingercam-install pull --pair root@127.0.0.1:PORT --pair-only` run for real against a real
// OpenSSH sshd on loopback (the camera host), with the real lingercam-capture answering where
// its store is, then the paired key used by the real lingercam-pull and by OpenSSH's clients:
// - pull's round with that key fetches every frame byte for byte;
// - the same key gets no shell and runs no command, and no port forwarding;
// - it may not delete a frame (sftp rm fails, and sftp-server answers REMOVE "permission
//   denied" where it answers LSTAT), the frame stays;
// - pairing again replaces the authorized_keys line, never adds a second one.
// The user's own login is the harness's client key (through --ssh-config); sshd reads the
// harness's authorized_keys (--authorized-keys). Nothing of this machine's ~/.ssh is touched.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/store_layout.h"
#include "pull/sftp_channel.h"
#include "pull/ssh_channel_transport.h"
#include "pull/ssh_connection.h"
#include "pull/ssh_error.h"
#include "pull_test_util.h"
#include "sshd_harness.h"
#include "support/program.h"

using namespace lingercam;
using namespace lingercam::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const fs::path kInstaller = fs::path(LINGERCAM_SOURCE_DIR) / "systemd" / "install.sh";
/// What pull sends, in sftp-server's names (systemd/install.sh: PAIR_REQUESTS and, known to
/// Debian's sftp-server, PAIR_REQUESTS_IF_KNOWN).
const std::string kAllowlist = "open,close,read,write,lstat,opendir,readdir,readlink,posix-rename,fsync,limits";

std::string slurp(const fs::path &p)
{
	std::ifstream in(p);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> lines(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

std::size_t countStarting(const std::string &text, const std::string &start)
{
	std::size_t n = 0;
	for (const std::string &l : lines(text))
		n += l.rfind(start, 0) == 0;
	return n;
}

std::size_t countContaining(const std::string &text, const std::string &needle)
{
	std::size_t n = 0;
	for (const std::string &l : lines(text))
		n += l.find(needle) != std::string::npos;
	return n;
}

/// Runs \a argv with exactly \a env, stdin from /dev/null; stdout and stderr into \a output.
int runWith(const std::vector<std::string> &argv, const std::vector<std::string> &env, std::string &output)
{
	int pipefd[2];
	if (::pipe2(pipefd, O_CLOEXEC) != 0)
		throw std::runtime_error("pipe failed");
	pid_t pid = ::fork();
	if (pid == 0) {
		int null = ::open("/dev/null", O_RDONLY);
		::dup2(null, 0);
		::dup2(pipefd[1], 1);
		::dup2(pipefd[1], 2);
		std::vector<char *> args, envp;
		for (const std::string &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		for (const std::string &e : env)
			envp.push_back(const_cast<char *>(e.c_str()));
		envp.push_back(nullptr);
		::execvpe(args[0], args.data(), envp.data());
		::_exit(127);
	}
	::close(pipefd[1]);
	output.clear();
	char buf[4096];
	ssize_t n;
	while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0)
		output.append(buf, static_cast<std::size_t>(n));
	::close(pipefd[0]);
	int status = 0;
	::waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool canConnect(int port)
{
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(static_cast<uint16_t>(port));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0;
	::close(fd);
	return ok;
}

/// Connects to 127.0.0.1:port and reads until the other side closes: what came.
std::string readAllFrom(int port)
{
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(static_cast<uint16_t>(port));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0) {
		::close(fd);
		throw std::runtime_error("cannot connect to port " + std::to_string(port));
	}
	timeval tv{ 30, 0 }; // a server that neither answers nor closes fails the test, not hangs it
	::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	std::string out;
	char buf[256];
	ssize_t n;
	while ((n = ::read(fd, buf, sizeof buf)) > 0) {
		out.append(buf, static_cast<std::size_t>(n));
		if (out.find('\n') != std::string::npos)
			break; // a banner line is all it takes to tell
	}
	::close(fd);
	return out;
}

class PairingWithARealSshd : public ::testing::Test {
protected:
	PairingWithARealSshd() : sshd(dir.path() / "sshd")
	{
		fs::create_directories(home());
		fs::create_directories(cameraConfig() / "lingercam");
		for (int i = 0; i < 12; ++i)
			frames.push_back(frameAt(i * 7));
		for (const auto &id : frames)
			writeFrame(store(), id, 30000 + static_cast<std::size_t>(id.seconds % 977));
		pointLatest(store(), frames.back().relativePath());
		// The camera host's capture config: the pairing asks lingercam-capture where the store is.
		std::ofstream(cameraConfig() / "lingercam" / "capture.toml")
			<< "store = \"" << store().string() << "\"\nsource = \"testpattern\"\n";
		sshd.addConfig("SetEnv XDG_CONFIG_HOME=" + cameraConfig().string() + " PATH=" +
			       fs::path(programPath("capture/lingercam-capture")).parent_path().string() +
			       ":/usr/bin:/bin");
		// The user's own ssh login to the camera host: the harness's key and known host.
		std::ofstream(loginConfig()) << "Host 127.0.0.1\n"
					     << "  IdentityFile " << sshd.clientKey().string() << "\n"
					     << "  IdentitiesOnly yes\n"
					     << "  UserKnownHostsFile " << sshd.knownHosts().string() << "\n"
					     << "  GlobalKnownHostsFile /dev/null\n"
					     << "  StrictHostKeyChecking yes\n"
					     << "  BatchMode yes\n";
		sshd.start();
	}

	fs::path home() const { return dir.path() / "home"; }
	fs::path store() const { return dir.path() / "camera" / "store"; }
	fs::path cameraConfig() const { return dir.path() / "camera" / "config"; }
	fs::path loginConfig() const { return dir.path() / "login_ssh_config"; }
	fs::path lingercamConfig() const { return home() / ".config" / "lingercam"; }
	fs::path pullToml() const { return lingercamConfig() / "pull.toml"; }
	std::string target() const { return sshd.user() + "@127.0.0.1:" + std::to_string(sshd.port()); }
	std::string sourceName() const { return "127.0.0.1-" + std::to_string(sshd.port()); }
	fs::path pairedKey() const { return lingercamConfig() / ("id_ed25519_127.0.0.1_" + std::to_string(sshd.port())); }
	fs::path mirror() const { return home() / ".local/share/lingercam/mirror" / sourceName(); }

	std::vector<std::string> viewerEnv() const
	{
		// No SSH_AUTH_SOCK: only the paired key can log pull in.
		return { "HOME=" + home().string(), "PATH=/usr/bin:/bin", "LINGERCAM_INSTALL_ALLOW_ROOT=1" };
	}

	/// lingercam-install pull --pair ... --pair-only, as the viewer's user would run it.
	int pair(std::string &out)
	{
		return runWith({ "bash", kInstaller.string(), "--from", LINGERCAM_BINARY_DIR, "pull", "--pair", target(),
				 "--pair-only", "--ssh-config", loginConfig().string(), "--authorized-keys",
				 sshd.authorizedKeys().string() },
			       viewerEnv(), out);
	}

	int pull(const std::vector<std::string> &args, std::string &out)
	{
		std::vector<std::string> argv = programArgv("pull/lingercam-pull");
		argv.insert(argv.end(), { "--config", pullToml().string(), "--source", sourceName() });
		argv.insert(argv.end(), args.begin(), args.end());
		return runWith(argv, viewerEnv(), out);
	}

	/// ssh with the paired key and nothing else: no agent, no config, pull's known_hosts.
	std::vector<std::string> sshWithPairedKey(const std::string &program = "ssh") const
	{
		return { program,
			 "-F", "/dev/null",
			 "-o", "IdentitiesOnly=yes",
			 "-o", "IdentityFile=" + pairedKey().string(),
			 "-o", "UserKnownHostsFile=" + (lingercamConfig() / "known_hosts").string(),
			 "-o", "GlobalKnownHostsFile=/dev/null",
			 "-o", "StrictHostKeyChecking=yes",
			 "-o", "BatchMode=yes",
			 program == "ssh" ? "-p" : "-P", std::to_string(sshd.port()) };
	}

	/// The authorized_keys lines that hold the paired key.
	std::vector<std::string> pairedLines() const
	{
		std::istringstream pub(slurp(pairedKey().string() + ".pub"));
		std::string type, blob;
		pub >> type >> blob;
		std::vector<std::string> out;
		for (const std::string &l : lines(slurp(sshd.authorizedKeys())))
			if (l.find(" " + blob + " ") != std::string::npos)
				out.push_back(l);
		return out;
	}

	TempDir dir;
	SshdHarness sshd;
	std::vector<common::FrameId> frames;
};

TEST_F(PairingWithARealSshd, GivesPullAKeyOfItsOwnWhoseRoundFetchesEveryFrameByteForByte)
{
	const std::string harnessLine = lines(slurp(sshd.authorizedKeys())).front();
	std::string out;
	ASSERT_EQ(pair(out), 0) << out;

	// 1. A key of pull's own, private to the user.
	ASSERT_TRUE(fs::exists(pairedKey())) << out;
	EXPECT_EQ(fs::status(pairedKey()).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
	// 2. The host key the user's login verified, shown and recorded where pull looks.
	EXPECT_NE(out.find(sshd.hostKeyFingerprint()), std::string::npos) << out;
	EXPECT_NE(out.find("the key your own ssh login verified"), std::string::npos) << out;
	const std::string knownHosts = slurp(lingercamConfig() / "known_hosts");
	EXPECT_EQ(countContaining(knownHosts, sshd.knownHostsName() + " "), 1u) << knownHosts;
	// 3. One restricted line, SFTP only, with exactly pull's requests; the user's own stays.
	const auto paired = pairedLines();
	ASSERT_EQ(paired.size(), 1u) << slurp(sshd.authorizedKeys());
	EXPECT_EQ(paired.front().rfind("restrict,command=\"/usr/lib/openssh/sftp-server -p " + kAllowlist + "\" ssh-ed25519 ", 0),
		  0u)
		<< paired.front();
	EXPECT_EQ(lines(slurp(sshd.authorizedKeys())).front(), harnessLine);
	// 4. The [[source]]: the store as lingercam-capture on the camera host names it.
	const std::string toml = slurp(pullToml());
	EXPECT_NE(toml.find("remote_store = \"" + store().string() + "\""), std::string::npos) << toml;
	EXPECT_NE(toml.find("identity = \"~/.config/lingercam/" + pairedKey().filename().string() + "\""),
		  std::string::npos)
		<< toml;
	EXPECT_EQ(countStarting(toml, "[[source]]"), 1u) << "the template's example source is replaced: " << toml;
	// 5. doctor's ssh check logged in with that key and opened the store over SFTP.
	EXPECT_NE(out.find("ok    ssh (" + sourceName() + "): logged in to"), std::string::npos) << out;
	EXPECT_NE(out.find("latest.jpg -> " + frames.back().relativePath()), std::string::npos) << out;

	// A round of the real pull with that config and key only.
	ASSERT_EQ(pull({ "once" }, out), 0) << out;
	for (const auto &id : frames) {
		ASSERT_TRUE(fs::exists(mirror() / id.relativePath())) << id.relativePath() << ": " << out;
		EXPECT_EQ(readBytes(mirror() / id.relativePath()), readBytes(store() / id.relativePath())) << id.relativePath();
	}
	// It confirmed them on the camera host, through its temporary file and a rename, which
	// it left nowhere: no remove was needed, and none would have been allowed.
	std::size_t confirmations = 0;
	for (const auto &e : fs::directory_iterator(store())) {
		const std::string name = e.path().filename().string();
		EXPECT_FALSE(name.ends_with(".tmp")) << "a temporary file is left: " << name;
		if (name.starts_with(".pulled.")) {
			++confirmations;
			EXPECT_EQ(slurp(e.path()), frames.back().stem() + "\n") << name;
		}
	}
	EXPECT_EQ(confirmations, 1u);
}

TEST_F(PairingWithARealSshd, RefusesThePairedKeyAShellACommandAndPortForwarding)
{
	std::string out;
	ASSERT_EQ(pair(out), 0) << out;
	const fs::path marker = dir.path() / "the-command-ran";

	// A command: sshd runs the forced sftp-server instead, which reads no SFTP from an empty
	// stdin and ends; the command never runs.
	auto argv = sshWithPairedKey();
	argv.insert(argv.end(), { "-n", "127.0.0.1", "echo COMMAND-RAN; touch " + marker.string() });
	std::string commandOut;
	runWith(argv, viewerEnv(), commandOut);
	EXPECT_EQ(commandOut.find("COMMAND-RAN"), std::string::npos) << commandOut;
	EXPECT_FALSE(fs::exists(marker)) << commandOut;

	// A shell: no terminal, and no shell either (the same forced sftp-server).
	argv = sshWithPairedKey();
	argv.insert(argv.end(), { "-tt", "-n", "127.0.0.1" });
	std::string shellOut;
	runWith(argv, viewerEnv(), shellOut);
	EXPECT_NE(shellOut.find("PTY allocation request failed"), std::string::npos) << shellOut;

	// Local forwarding (-L) to the sshd's own port: the channel is refused, so a connection
	// through it gets nothing, where a direct one gets sshd's banner.
	ASSERT_EQ(readAllFrom(sshd.port()).rfind("SSH-2.0-", 0), 0u);
	const int local = SshdHarness::freePort();
	const fs::path forwardLog = dir.path() / "forward.log";
	argv = sshWithPairedKey();
	argv.insert(argv.end(), { "-N", "-E", forwardLog.string(), "-L",
				  std::to_string(local) + ":127.0.0.1:" + std::to_string(sshd.port()), "127.0.0.1" });
	pid_t forward = ::fork();
	if (forward == 0) {
		std::vector<char *> args;
		for (const std::string &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		int null = ::open("/dev/null", O_RDWR);
		::dup2(null, 0);
		::dup2(null, 1);
		::dup2(null, 2);
		::execvp(args[0], args.data());
		::_exit(127);
	}
	// Until ssh listens there (or gave up): a wait for readiness, not a measure of time.
	bool listening = false;
	for (int i = 0; i < 3000 && !listening; ++i) {
		listening = canConnect(local);
		if (!listening && ::waitpid(forward, nullptr, WNOHANG) == forward) {
			forward = -1;
			break;
		}
		if (!listening)
			std::this_thread::sleep_for(10ms);
	}
	ASSERT_TRUE(listening) << slurp(forwardLog);
	std::string through;
	for (int i = 0; i < 2; ++i) // the first try above was a connection through it too
		through += readAllFrom(local);
	// SIGKILL: ssh keeps SIGTERM ignored when it was so at its start (as under ctest).
	::kill(forward, SIGKILL);
	::waitpid(forward, nullptr, 0);
	EXPECT_EQ(through, "") << "a connection through -L reached the sshd";
	EXPECT_NE(slurp(forwardLog).find("administratively prohibited"), std::string::npos) << slurp(forwardLog);

	// Remote forwarding (-R): the server refuses to listen, so ssh gives up.
	argv = sshWithPairedKey();
	argv.insert(argv.end(), { "-N", "-n", "-o", "ExitOnForwardFailure=yes", "-R",
				  "0:127.0.0.1:" + std::to_string(sshd.port()), "127.0.0.1" });
	std::string remoteOut;
	EXPECT_NE(runWith(argv, viewerEnv(), remoteOut), 0) << remoteOut;
	EXPECT_NE(remoteOut.find("remote port forwarding failed"), std::string::npos) << remoteOut;
}

TEST_F(PairingWithARealSshd, RefusesThePairedKeyDeletingAFrame)
{
	std::string out;
	ASSERT_EQ(pair(out), 0) << out;
	const fs::path frame = store() / frames.front().relativePath();
	const auto before = readBytes(frame);

	// OpenSSH's sftp: "rm" of a frame fails (the session cannot even ask realpath, which
	// pull never sends), and the frame is there, whole.
	const fs::path batch = dir.path() / "rm.batch";
	std::ofstream(batch) << "rm " << frame.string() << "\n";
	auto argv = sshWithPairedKey("sftp");
	argv.insert(argv.end(), { "-b", batch.string(), sshd.user() + "@127.0.0.1" });
	std::string sftpOut;
	EXPECT_NE(runWith(argv, viewerEnv(), sftpOut), 0) << sftpOut;
	EXPECT_EQ(readBytes(frame), before) << sftpOut;

	// The request itself, in pull's own SFTP client over the paired key: sftp-server answers
	// REMOVE "permission denied", where it answers LSTAT of the same frame with its attributes.
	pull::SshOptions o;
	o.host = "127.0.0.1";
	o.port = sshd.port();
	o.user = sshd.user();
	o.identities = { pairedKey().string() };
	o.knownHosts = (lingercamConfig() / "known_hosts").string();
	o.sshConfig = "none";
	o.connectTimeout = 10s;
	o.ioTimeout = 30s;
	auto connection = std::make_unique<pull::SshConnection>(o);
	pull::SftpChannel sftp(std::make_unique<pull::SshChannelTransport>(std::move(connection), o.ioTimeout), o.ioTimeout);
	sftp.start();
	std::optional<std::uint32_t> removeStatus;
	std::optional<pull::SftpType> lstatReply;
	sftp.send(pull::SftpType::Remove, pull::SftpPacket().string(frame.string()),
		  [&](const pull::SftpChannel::Reply &r) { removeStatus = pull::SftpChannel::statusCode(r); });
	sftp.send(pull::SftpType::Lstat, pull::SftpPacket().string(frame.string()),
		  [&](const pull::SftpChannel::Reply &r) { lstatReply = r.type; });
	sftp.drain();
	ASSERT_TRUE(removeStatus && lstatReply);
	EXPECT_EQ(*removeStatus, pull::kSftpPermissionDenied);
	EXPECT_EQ(*lstatReply, pull::SftpType::Attrs);
	EXPECT_EQ(readBytes(frame), before);
}

TEST_F(PairingWithARealSshd, PairedAgainReplacesItsAuthorizedKeysLineAndItsSourceInsteadOfAddingThem)
{
	// A camera of another host already in pull.toml: kept as it is.
	fs::create_directories(lingercamConfig());
	const std::string garden = "[[source]]\nname = \"garden\"\nhost = \"garden.example\"\n";
	std::ofstream(pullToml()) << "interval = \"5m\"\n\n" + garden;
	std::string out;
	ASSERT_EQ(pair(out), 0) << out;
	const auto key = readBytes(pairedKey());
	const auto first = pairedLines();
	ASSERT_EQ(first.size(), 1u);
	const std::string toml = slurp(pullToml());
	EXPECT_NE(toml.find(garden), std::string::npos) << toml;
	EXPECT_NE(toml.find("interval = \"5m\""), std::string::npos) << toml;
	EXPECT_EQ(countStarting(toml, "[[source]]"), 2u) << toml;
	const std::string comment = first.front().substr(first.front().rfind(' ') + 1);
	ASSERT_EQ(comment.rfind("lingercam-pull:", 0), 0u) << first.front();

	// Again, as is: nothing changes.
	ASSERT_EQ(pair(out), 0) << out;
	EXPECT_NE(out.find("line for pull's key unchanged"), std::string::npos) << out;
	EXPECT_EQ(pairedLines(), first);
	EXPECT_EQ(readBytes(pairedKey()), key) << "the key is reused, never made anew";
	EXPECT_EQ(slurp(pullToml()), toml);
	EXPECT_EQ(countContaining(slurp(lingercamConfig() / "known_hosts"), sshd.knownHostsName() + " "), 1u);

	// An older pairing's lines (a wider allowlist for this key; a lost key of this viewer's,
	// by its comment): replaced by the one line, the harness's own login line kept.
	std::string authorized = slurp(sshd.authorizedKeys());
	const std::string wider = "restrict,command=\"/usr/lib/openssh/sftp-server -p remove,";
	authorized.replace(authorized.find("restrict,command=\"/usr/lib/openssh/sftp-server -p "),
			   std::string("restrict,command=\"/usr/lib/openssh/sftp-server -p ").size(), wider);
	std::string lostKey;
	runWith({ "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", (dir.path() / "lost").string() },
		viewerEnv(), lostKey);
	authorized += "command=\"/usr/lib/openssh/sftp-server\" " + slurp(dir.path() / "lost.pub");
	std::ofstream(sshd.authorizedKeys()) << authorized;
	ASSERT_EQ(pairedLines().front().find(wider), 0u);

	ASSERT_EQ(pair(out), 0) << out;
	EXPECT_NE(out.find("line for pull's key replaced"), std::string::npos) << out;
	EXPECT_EQ(pairedLines(), first);
	EXPECT_EQ(countContaining(slurp(sshd.authorizedKeys()), comment), 1u) << slurp(sshd.authorizedKeys());
	EXPECT_EQ(lines(slurp(sshd.authorizedKeys())).size(), 2u) << slurp(sshd.authorizedKeys());
	EXPECT_EQ(slurp(pullToml()), toml);
	// And the pairing still works.
	ASSERT_EQ(pull({ "once" }, out), 0) << out;
	EXPECT_EQ(readBytes(mirror() / frames.back().relativePath()), readBytes(store() / frames.back().relativePath()));
}

} // namespace
