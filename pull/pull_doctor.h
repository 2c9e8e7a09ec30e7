// SPDX-License-Identifier: BSD-2-Clause
// `lingercam-pull doctor`: what it checks on the viewing host, SSH logins to each source included.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/doctor.h"
#include "pull_client.h"
#include "pull_config.h"

namespace lingercam::common {
class HostProbe;
}

namespace lingercam::pull {

/// Tries an SSH login to a source; "" when it worked, otherwise what went wrong.
using SshProbe = std::function<std::string(const SourceConfig &source, std::string &detail)>;

/// The real one: connect, check the host key, authenticate (SshConnection), start SFTP and
/// look at the remote store (latest.jpg, else the folder), then hang up.
std::string probeSshLogin(const SourceConfig &source, std::string &detail);

/// `lingercam-pull doctor`: lingering, pull.service enabled and active, the last round (from
/// the running daemon's API, \a api; nullopt when none serves it), disk space of each mirror,
/// clock sync and SSH reachability of each source, each with what to fix.
common::DoctorReport runPullDoctor(const PullConfig &config, common::HostProbe &host,
				   const std::optional<PullApiState> &api, const SshProbe &ssh,
				   std::chrono::system_clock::time_point now);

} // namespace lingercam::pull
