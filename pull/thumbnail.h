// SPDX-License-Identifier: BSD-2-Clause
// Small JPEGs of frames for the gallery, from libjpeg-turbo's scaled decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lingercam::pull {

/// A thumbnail of \a jpeg at least \a width pixels wide where the frame is: decoded at the
/// smallest of libjpeg-turbo's scaling factors that gives that width (1/8 of a full-HD frame
/// is 240 pixels: an eighth of the work of a full decode), and encoded again. nullopt, with
/// \a why, for bytes that do not decode (the frame is still linked, without a thumbnail).
std::optional<std::vector<std::uint8_t>> makeThumbnail(std::span<const std::uint8_t> jpeg, int width, std::string &why);

} // namespace lingercam::pull
