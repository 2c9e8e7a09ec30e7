// SPDX-License-Identifier: BSD-2-Clause
// Helpers for pull's integration tests: frames written straight into a store, tree listings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/store_layout.h"
#include "pull/pull_config.h"
#include "sshd_harness.h"

namespace lingercam::test {

/// A JPEG-looking frame: SOI, incompressible bytes, EOI.
std::vector<std::uint8_t> jpegBytes(std::size_t size, std::uint32_t seed);
/// Writes a frame into a store layout directly (as the capture daemon's result looks).
std::filesystem::path writeFrame(const std::filesystem::path &store, const common::FrameId &id, std::size_t size);
/// Points store/latest.jpg at \a target (any text).
void pointLatest(const std::filesystem::path &store, const std::string &target);
/// 2026-11-23 00:00:00 UTC plus \a minutes.
common::FrameId frameAt(int minutes, int day = 23);
/// Every path below \a root with its type and size: "d 2026", "f 2026/11/23/x.jpg 1234", "l latest.jpg -> ...".
std::map<std::string, std::string> tree(const std::filesystem::path &root);
std::vector<std::uint8_t> readBytes(const std::filesystem::path &p);
/// The source config for a harness sshd.
pull::SourceConfig sourceFor(const SshdHarness &sshd, const std::string &name, const std::filesystem::path &remote,
			     const std::filesystem::path &local);

} // namespace lingercam::test
