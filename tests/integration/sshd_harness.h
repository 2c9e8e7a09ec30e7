// SPDX-License-Identifier: BSD-2-Clause
// A real OpenSSH sshd on loopback (or in another network namespace), set up from scratch.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace lingercam::test {

/// Where sshd listens: 127.0.0.1 in the caller's network namespace, or an address in a
/// named one (`ip netns`, root), as a camera host at the far end of a link does.
struct SshdListen {
	std::string netns;                 ///< empty: the caller's
	std::string address = "127.0.0.1";
};

/// A real OpenSSH sshd on a free 127.0.0.1 port (or that port of an address in another
/// network namespace: SshdListen), set up from scratch in a temporary folder:
/// generated host and client keys, its own sshd_config, authorized_keys and known_hosts.
/// Nothing of the user's ~/.ssh is read or written.
class SshdHarness {
public:
	/// \a sftpSubsystem is what sshd runs for "sftp": its own internal-sftp, or a command
	/// (a misbehaving server of the tests' own), which sshd runs through the user's shell, so
	/// it may hold pipes and redirections. \a listen puts sshd in another network namespace.
	explicit SshdHarness(const std::filesystem::path &dir, const std::string &sftpSubsystem = "internal-sftp",
			     SshdListen listen = {});
	~SshdHarness();
	SshdHarness(const SshdHarness &) = delete;
	SshdHarness &operator=(const SshdHarness &) = delete;

	/// Appends \a lines to the sshd_config (before start()): e.g. SetEnv for the sessions.
	void addConfig(const std::string &lines);

	/// Starts sshd and waits until it accepts connections. sshd dies with the calling thread
	/// (PR_SET_PDEATHSIG), so a crashed test leaves none behind: start it from a thread that
	/// outlives it.
	void start();
	/// SIGKILL to sshd and every process it forked: established connections drop at once.
	void kill();
	bool running() const { return pid_ > 0; }

	int port() const { return port_; }
	std::string user() const { return user_; }
	std::filesystem::path clientKey() const { return dir_ / "client_key"; }
	/// The authorized_keys file this sshd reads (AuthorizedKeysFile); it holds clientKey()'s.
	std::filesystem::path authorizedKeys() const { return dir_ / "authorized_keys"; }
	std::filesystem::path hostKeyPub() const { return dir_ / "host_key.pub"; }
	/// A known_hosts file that trusts this server's host key, as [127.0.0.1]:port (directly,
	/// or through a proxy on that port in front of a namespaced sshd) and as its own address.
	std::filesystem::path knownHosts() const { return dir_ / "known_hosts"; }
	/// "SHA256:..." of the host key, as ssh-keygen -l prints it.
	std::string hostKeyFingerprint() const;
	/// "[127.0.0.1]:port" as known_hosts names this server.
	std::string knownHostsName() const;
	std::string log() const;

	/// Runs a program, returns its exit status; output goes to \a output when given.
	static int run(const std::vector<std::string> &argv, std::string *output = nullptr);
	/// A 127.0.0.1 TCP port nothing listens on right now.
	static int freePort();

private:
	std::filesystem::path dir_;
	int port_ = 0;
	std::string user_;
	SshdListen listen_;
	pid_t pid_ = -1;
};

/// A fresh temporary folder, removed with everything in it on destruction.
class TempDir {
public:
	TempDir();
	~TempDir();
	const std::filesystem::path &path() const { return path_; }

private:
	std::filesystem::path path_;
};

} // namespace lingercam::test
