// SPDX-License-Identifier: BSD-2-Clause
// SIGTERM, SIGINT and SIGHUP turned into a clean stop (see signal_watcher.h).
#include "signal_watcher.h"

#include <csignal>

#include <pthread.h>

#include "logging.h"

namespace lingercam::common {

namespace {

sigset_t stopSignals()
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1); // our own wake-up at destruction
	return set;
}

} // namespace

SignalWatcher::SignalWatcher(Interrupt &interrupt) : interrupt_(interrupt)
{
	sigset_t set = stopSignals();
	pthread_sigmask(SIG_BLOCK, &set, nullptr);
	thread_ = std::jthread([this, set](std::stop_token stop) {
		while (!stop.stop_requested()) {
			int sig = 0;
			if (sigwait(&set, &sig) != 0 || sig == SIGUSR1)
				continue;
			received_ = sig;
			logger("main")->info("received {}; stopping (what is done is kept), then exiting", sigabbrev_np(sig));
			interrupt_.requestStop();
		}
	});
}

SignalWatcher::~SignalWatcher()
{
	thread_.request_stop();
	pthread_kill(thread_.native_handle(), SIGUSR1);
}

} // namespace lingercam::common
