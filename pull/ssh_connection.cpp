// SPDX-License-Identifier: BSD-2-Clause
// One authenticated SSH connection with libssh (see ssh_connection.h).
#include "ssh_connection.h"

#include <poll.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <libssh/libssh.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "sftp_replies.h"
#include "ssh_error.h"

namespace lingercam::pull {

namespace {

using Kind = SshError::Kind;

void setOption(ssh_session session, ssh_options_e option, const void *value, const std::string &what)
{
	throwIfSshFailed(ssh_options_set(session, option, value), session, Kind::Connect, "set ssh option " + what);
}

std::string getOption(ssh_session session, ssh_options_e option)
{
	char *value = nullptr;
	if (ssh_options_get(session, option, &value) != SSH_OK || !value)
		return {};
	std::string out(value);
	ssh_string_free_char(value);
	return out;
}

struct KeyDeleter {
	void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;

std::string fingerprint(ssh_key key)
{
	unsigned char *hash = nullptr;
	size_t len = 0;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) != SSH_OK)
		return "unknown";
	char *text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
	ssh_clean_pubkey_hash(&hash);
	if (!text)
		return "unknown";
	std::string out(text);
	ssh_string_free_char(text);
	return out;
}

} // namespace

SshConnection::SshConnection(const SshOptions &options, RoundLimits limits)
	: connectTimeout_(options.connectTimeout), ioTimeout_(options.ioTimeout), limits_(std::move(limits)),
	  log_(common::logger("sftp"))
{
	// libssh's global state (crypto backend) must be set up once before sessions are made
	// on several threads.
	static std::once_flag initialised;
	std::call_once(initialised, [] { ssh_init(); });
	session_ = ssh_new();
	if (!session_)
		throwSsh(Kind::Connect, 0, "create ssh session", "out of memory");
	try {
		// Order matters: libssh 0.10's config parser overrides a port set before it, so the
		// alias is set first, ssh config applied, and only then our explicit settings.
		setOption(session_, SSH_OPTIONS_HOST, options.host.c_str(), "host");
		if (options.sshConfig == "none") {
			bool process = false;
			setOption(session_, SSH_OPTIONS_PROCESS_CONFIG, &process, "ProcessConfig");
		} else {
			throwIfSshFailed(ssh_options_parse_config(session_, options.sshConfig.empty() ? nullptr
												       : options.sshConfig.c_str()),
					 session_, Kind::Connect, "read ssh config " + options.sshConfig);
		}
		if (options.port > 0) {
			unsigned port = static_cast<unsigned>(options.port);
			setOption(session_, SSH_OPTIONS_PORT, &port, "port");
		}
		if (!options.user.empty())
			setOption(session_, SSH_OPTIONS_USER, options.user.c_str(), "user");
		if (!options.knownHosts.empty())
			setOption(session_, SSH_OPTIONS_KNOWNHOSTS, options.knownHosts.c_str(), "known_hosts");
		if (!options.ciphers.empty()) {
			setOption(session_, SSH_OPTIONS_CIPHERS_C_S, options.ciphers.c_str(), "ciphers");
			setOption(session_, SSH_OPTIONS_CIPHERS_S_C, options.ciphers.c_str(), "ciphers");
		}
		setOption(session_, SSH_OPTIONS_COMPRESSION, "no", "compression");
		// Requests are small and each waits for the previous answer at times (listing):
		// without TCP_NODELAY, Nagle holds them back for tens of milliseconds.
		int nodelay = 1;
		setOption(session_, SSH_OPTIONS_NODELAY, &nodelay, "nodelay");
		long connectSeconds = std::max<long>(1, static_cast<long>((options.connectTimeout.count() + 999) / 1000));
		setOption(session_, SSH_OPTIONS_TIMEOUT, &connectSeconds, "timeout");

		std::string host = getOption(session_, SSH_OPTIONS_HOST);
		unsigned int port = 22;
		ssh_options_get_port(session_, &port);
		std::string user = getOption(session_, SSH_OPTIONS_USER);
		if (user.empty()) // libssh logs in as the local user then, and says so only later
			if (const passwd *pw = ::getpwuid(::getuid()))
				user = pw->pw_name;
		peer_ = user + "@" + host + ":" + std::to_string(port);
		hostForKeys_ = port == 22 ? host : "[" + host + "]:" + std::to_string(port);

		ssh_set_blocking(session_, 0);
		throwIfSshFailed(untilDone([this] { return ssh_connect(session_); }, SSH_AGAIN, "connect to " + peer_,
					   Kind::Connect, connectTimeout_, "connect_timeout"),
				 session_, Kind::Connect, "connect to " + peer_);
		verifyHostKey(options);
		authenticate(options);
	} catch (...) {
		ssh_disconnect(session_);
		ssh_free(session_);
		throw;
	}
}

SshConnection::~SshConnection()
{
	ssh_disconnect(session_);
	ssh_free(session_);
}

void SshConnection::verifyHostKey(const SshOptions &options)
{
	ssh_key raw = nullptr;
	throwIfSshFailed(ssh_get_server_publickey(session_, &raw), session_, Kind::HostKey,
			 "get the host key of " + peer_);
	KeyPtr key(raw);
	const std::string type = ssh_key_type_to_char(ssh_key_type(key.get()));
	const std::string print = fingerprint(key.get());
	std::string knownHosts = getOption(session_, SSH_OPTIONS_KNOWNHOSTS);
	if (knownHosts.empty())
		knownHosts = "~/.ssh/known_hosts";

	switch (ssh_session_is_known_server(session_)) {
	case SSH_KNOWN_HOSTS_OK:
		return;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		throwSsh(Kind::HostKey, SSH_KNOWN_HOSTS_CHANGED, "host key of " + hostForKeys_ + " CHANGED",
			 "refusing to connect: the server offers " + type + " key " + print + " but " + knownHosts +
				 " has a different key for it (possible man-in-the-middle). If the camera host "
				 "was reinstalled, check the new fingerprint on it (ssh-keygen -lf "
				 "/etc/ssh/ssh_host_" +
				 (type == "ssh-ed25519" ? std::string("ed25519") : std::string("*")) +
				 "_key.pub), then remove the old entry: ssh-keygen -R '" + hostForKeys_ + "' -f " +
				 knownHosts);
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		if (options.hostKeyPolicy == HostKeyPolicy::AcceptNew) {
			throwIfSshFailed(ssh_session_update_known_hosts(session_), session_, Kind::HostKey,
					 "record the host key of " + hostForKeys_ + " in " + knownHosts);
			log_->warn("recorded a new host key (host_key_policy=accept-new) host={} key_type={} "
				   "fingerprint={} known_hosts={}",
				   hostForKeys_, type, print, knownHosts);
			return;
		}
		throwSsh(Kind::HostKey, SSH_KNOWN_HOSTS_UNKNOWN, "host key of " + hostForKeys_ + " is unknown",
			 "refusing to connect (host_key_policy=strict): the server offers " + type + " key " + print +
				 ", not in " + knownHosts + ". Check that fingerprint on the camera host, then add "
				 "the key: ssh-keyscan -p " + hostForKeys_.substr(hostForKeys_.rfind(':') + 1) + " " +
				 getOption(session_, SSH_OPTIONS_HOST) + " >> " + knownHosts +
				 " (or set host_key_policy = \"accept-new\" for the first connection)");
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		throwSsh(Kind::HostKey, ssh_get_error_code(session_), "check the host key of " + hostForKeys_,
			 sshErrorText(session_) + " (known_hosts " + knownHosts + ")");
	}
}

void SshConnection::authenticate(const SshOptions &options)
{
	std::string tried;
	for (const std::string &path : options.identities) {
		ssh_key raw = nullptr;
		if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
			log_->warn("cannot use identity (missing, unreadable, or protected by a passphrase: load it "
				   "into ssh-agent instead) identity={}",
				   path);
			tried += (tried.empty() ? "" : ", ") + path + " (unreadable)";
			continue;
		}
		KeyPtr key(raw);
		int rc = untilDone([&] { return ssh_userauth_publickey(session_, nullptr, key.get()); }, SSH_AUTH_AGAIN,
				   "authenticate to " + peer_, Kind::Dropped, ioTimeout_, "io_timeout");
		if (rc == SSH_AUTH_SUCCESS)
			return;
		if (rc == SSH_AUTH_ERROR)
			throwSsh(Kind::Dropped, ssh_get_error_code(session_), "authenticate to " + peer_,
				 sshErrorText(session_));
		tried += (tried.empty() ? "" : ", ") + path;
	}
	if (options.identities.empty()) {
		int rc = untilDone([&] { return ssh_userauth_publickey_auto(session_, nullptr, nullptr); },
				   SSH_AUTH_AGAIN, "authenticate to " + peer_, Kind::Dropped, ioTimeout_, "io_timeout");
		if (rc == SSH_AUTH_SUCCESS)
			return;
		if (rc == SSH_AUTH_ERROR)
			throwSsh(Kind::Dropped, ssh_get_error_code(session_), "authenticate to " + peer_,
				 sshErrorText(session_));
		tried = "ssh-agent and the default keys";
	} else if (std::getenv("SSH_AUTH_SOCK")) {
		if (untilDone([&] { return ssh_userauth_agent(session_, nullptr); }, SSH_AUTH_AGAIN,
			      "authenticate to " + peer_, Kind::Dropped, ioTimeout_, "io_timeout") == SSH_AUTH_SUCCESS)
			return;
		tried += ", ssh-agent";
	}
	throwSsh(Kind::Auth, SSH_AUTH_DENIED, "authentication to " + peer_ + " failed",
		 "the server accepted none of the keys tried (" + tried +
			 "); add the public key to ~/.ssh/authorized_keys of that user on the camera host "
			 "(passwords are never used)");
}

int SshConnection::untilDone(const std::function<int()> &call, int again, const std::string &what, SshError::Kind kind,
			     std::chrono::milliseconds timeout, const char *timeoutKey)
{
	using Clock = RoundLimits::Clock;
	const auto until = Clock::now() + timeout;
	for (;;) {
		int rc = call();
		if (rc != again)
			return rc;
		limits_.check(what);
		if (Clock::now() >= until)
			throwSsh(kind, 0, what, std::string("no answer within ") + timeoutKey + "=" + configDuration(timeout));
		const int ms = limits_.pollMilliseconds(until);
		const socket_t fd = ssh_get_fd(session_);
		if (fd == SSH_INVALID_SOCKET) {
			std::this_thread::sleep_for(std::chrono::milliseconds(ms));
			continue;
		}
		pollfd p{};
		p.fd = fd;
		p.events = POLLIN;
		if (ssh_get_poll_flags(session_) & SSH_WRITE_PENDING)
			p.events |= POLLOUT;
		::poll(&p, 1, ms);
	}
}

void SshConnection::setUpDone()
{
	// From here on the timeout bounds every blocking write.
	long ioSeconds = std::max<long>(1, static_cast<long>((ioTimeout_.count() + 999) / 1000));
	setOption(session_, SSH_OPTIONS_TIMEOUT, &ioSeconds, "timeout");
	ssh_set_blocking(session_, 1);
}

std::string sshErrorText(ssh_session session)
{
	const char *message = ssh_get_error(session);
	return message ? sftp::safeText(message) : std::string();
}

void throwIfSshFailed(int rc, ssh_session session, SshError::Kind kind, const std::string &what)
{
	if (rc == SSH_OK)
		return;
	const std::string message = session ? sshErrorText(session) : std::string();
	int code = session ? ssh_get_error_code(session) : rc;
	throwSsh(kind, code, what, !message.empty() ? message : "libssh returned " + std::to_string(rc));
}

std::string SshConnection::cipher() const
{
	const char *c = ssh_get_cipher_in(session_);
	return c ? c : "";
}

} // namespace lingercam::pull
