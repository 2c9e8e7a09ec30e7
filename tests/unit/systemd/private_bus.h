// SPDX-License-Identifier: BSD-2-Clause
// A dbus-daemon of the test's own, stopped at the end.
#pragma once

#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace lingercam::test {

/// A dbus-daemon of the test's own (session configuration), stopped at the end: the real
/// bus, private to the test, so nothing depends on the machine's buses.
class PrivateBus {
public:
	PrivateBus()
	{
		// --fork: the daemon detaches once it listens, after writing both lines to the pipe.
		FILE *f = ::popen("dbus-daemon --session --fork --print-address=1 --print-pid=1", "r");
		if (!f)
			throw std::runtime_error("cannot run dbus-daemon");
		char line[512];
		if (std::fgets(line, sizeof line, f))
			address_ = trim(line);
		if (std::fgets(line, sizeof line, f))
			pid_ = std::stoi(trim(line));
		::pclose(f);
		if (address_.empty() || pid_ <= 0)
			throw std::runtime_error("dbus-daemon gave no address (is package dbus-daemon installed?)");
	}
	~PrivateBus()
	{
		if (pid_ > 0)
			::kill(pid_, SIGTERM);
	}
	PrivateBus(const PrivateBus &) = delete;
	PrivateBus &operator=(const PrivateBus &) = delete;

	const std::string &address() const { return address_; }
	std::unique_ptr<sdbus::IConnection> connect() const
	{
		return sdbus::createSessionBusConnectionWithAddress(address_);
	}

private:
	static std::string trim(std::string s)
	{
		while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
			s.pop_back();
		return s;
	}

	std::string address_;
	int pid_ = -1;
};

} // namespace lingercam::test
