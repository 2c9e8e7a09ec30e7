// SPDX-License-Identifier: BSD-2-Clause
// A real OpenSSH sshd for the integration tests (see sshd_harness.h).
#include "sshd_harness.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lingercam::test {

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path &p)
{
	std::ifstream in(p);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

bool canConnect(const SshdListen &listen, int port)
{
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(static_cast<uint16_t>(port));
	if (::inet_pton(AF_INET, listen.address.c_str(), &addr.sin_addr) != 1)
		throw std::runtime_error("not an IPv4 address: " + listen.address);
	auto attempt = [&addr] {
		int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0;
		::close(fd);
		return ok;
	};
	if (listen.netns.empty())
		return attempt();
	// From inside the namespace: a child joins it (setns), tries, and says.
	const std::string ns = "/run/netns/" + listen.netns;
	pid_t pid = ::fork();
	if (pid == 0) {
		int fd = ::open(ns.c_str(), O_RDONLY | O_CLOEXEC);
		::_exit(fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0 && attempt() ? 0 : 1);
	}
	int status = 0;
	::waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// Every process whose parent chain leads to \a root (root included).
std::vector<pid_t> descendants(pid_t root)
{
	std::vector<pid_t> out{ root };
	std::set<pid_t> known{ root };
	bool grew = true;
	while (grew) {
		grew = false;
		for (const auto &entry : fs::directory_iterator("/proc")) {
			const std::string name = entry.path().filename();
			if (name.find_first_not_of("0123456789") != std::string::npos)
				continue;
			std::string stat = readFile(entry.path() / "stat");
			std::size_t close = stat.rfind(')');
			if (close == std::string::npos)
				continue;
			std::istringstream rest(stat.substr(close + 2));
			char state;
			pid_t ppid;
			rest >> state >> ppid;
			pid_t pid = static_cast<pid_t>(std::stoi(name));
			if (known.count(ppid) && !known.count(pid)) {
				known.insert(pid);
				out.push_back(pid);
				grew = true;
			}
		}
	}
	return out;
}

} // namespace

TempDir::TempDir()
{
	std::string tmpl = (fs::temp_directory_path() / "lingercam-test-XXXXXX").string();
	if (!::mkdtemp(tmpl.data()))
		throw std::runtime_error("mkdtemp failed");
	path_ = tmpl;
}

TempDir::~TempDir()
{
	std::error_code ec;
	fs::remove_all(path_, ec);
}

int SshdHarness::run(const std::vector<std::string> &argv, std::string *output)
{
	int pipefd[2];
	if (::pipe2(pipefd, O_CLOEXEC) != 0)
		throw std::runtime_error("pipe failed");
	pid_t pid = ::fork();
	if (pid == 0) {
		::dup2(pipefd[1], 1);
		::dup2(pipefd[1], 2);
		std::vector<char *> args;
		for (const std::string &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		::execvp(args[0], args.data());
		::_exit(127);
	}
	::close(pipefd[1]);
	std::string out;
	char buf[4096];
	ssize_t n;
	while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0)
		out.append(buf, static_cast<std::size_t>(n));
	::close(pipefd[0]);
	int status = 0;
	::waitpid(pid, &status, 0);
	if (output)
		*output = out;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int SshdHarness::freePort()
{
	int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0)
		throw std::runtime_error("bind failed");
	socklen_t len = sizeof(addr);
	::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
	::close(fd);
	return ntohs(addr.sin_port);
}

SshdHarness::SshdHarness(const fs::path &dir, const std::string &sftpSubsystem, SshdListen listen)
	: dir_(dir), listen_(std::move(listen))
{
	fs::create_directories(dir_);
	if (const passwd *pw = ::getpwuid(::geteuid()))
		user_ = pw->pw_name;
	std::string out;
	for (const char *key : { "host_key", "client_key" }) {
		if (run({ "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", (dir_ / key).string() }, &out) != 0)
			throw std::runtime_error("ssh-keygen failed: " + out);
	}
	fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
	port_ = freePort();
	{
		std::ofstream kh(knownHosts());
		kh << knownHostsName() << " " << readFile(hostKeyPub());
		if (listen_.address != "127.0.0.1")
			kh << "[" << listen_.address << "]:" << port_ << " " << readFile(hostKeyPub());
	}
	std::ofstream cfg(dir_ / "sshd_config");
	cfg << "Port " << port_ << "\n"
	    << "ListenAddress " << listen_.address << "\n"
	    << "HostKey " << (dir_ / "host_key").string() << "\n"
	    << "PidFile " << (dir_ / "sshd.pid").string() << "\n"
	    << "AuthorizedKeysFile " << (dir_ / "authorized_keys").string() << "\n"
	    << "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
	    << "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
	    << "AllowUsers " << user_ << "\n"
	    << "Subsystem sftp " << sftpSubsystem << "\n"
	    << "LogLevel VERBOSE\n";
}

SshdHarness::~SshdHarness()
{
	kill();
}

void SshdHarness::addConfig(const std::string &lines)
{
	std::ofstream(dir_ / "sshd_config", std::ios::app) << lines << "\n";
}

std::string SshdHarness::knownHostsName() const
{
	return "[127.0.0.1]:" + std::to_string(port_);
}

std::string SshdHarness::hostKeyFingerprint() const
{
	std::string out;
	run({ "ssh-keygen", "-l", "-E", "sha256", "-f", hostKeyPub().string() }, &out);
	std::istringstream in(out);
	std::string bits, fp;
	in >> bits >> fp;
	return fp;
}

std::string SshdHarness::log() const
{
	return readFile(dir_ / "sshd.log");
}

void SshdHarness::start()
{
	if (pid_ > 0)
		return;
	if (::geteuid() == 0)
		::mkdir("/run/sshd", 0755); // sshd's privilege separation folder (Debian)
	pid_ = ::fork();
	if (pid_ == 0) {
		// A test that dies (crash, timeout) takes its sshd with it.
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		int log = ::open((dir_ / "sshd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		::dup2(log, 2);
		int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
		::dup2(null, 0);
		::dup2(null, 1);
		const std::string cfg = (dir_ / "sshd_config").string();
		if (!listen_.netns.empty()) // ip execs sshd in the namespace: pid_ is sshd's all the same
			::execlp("ip", "ip", "netns", "exec", listen_.netns.c_str(), "/usr/sbin/sshd", "-D", "-e", "-f",
				 cfg.c_str(), static_cast<char *>(nullptr));
		else
			::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", cfg.c_str(), static_cast<char *>(nullptr));
		::_exit(127);
	}
	for (int i = 0; i < 500; ++i) {
		if (canConnect(listen_, port_))
			return;
		int status;
		if (::waitpid(pid_, &status, WNOHANG) == pid_) {
			pid_ = -1;
			throw std::runtime_error("sshd exited at start: " + log());
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	kill();
	throw std::runtime_error("sshd did not listen within 5 s: " + log());
}

void SshdHarness::kill()
{
	if (pid_ <= 0)
		return;
	for (pid_t p : descendants(pid_))
		::kill(p, SIGKILL);
	::waitpid(pid_, nullptr, 0);
	pid_ = -1;
	for (int i = 0; i < 200 && canConnect(listen_, port_); ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

} // namespace lingercam::test
