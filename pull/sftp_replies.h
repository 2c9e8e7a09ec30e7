// SPDX-License-Identifier: BSD-2-Clause
// What an SFTP server may send, parsed by pure functions over its bytes, within bounds that
// are named here with their reasons. The camera host is trusted with nothing: a reply past
// a bound is a protocol error (SshError(Protocol) naming the bound), never more memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sftp_channel.h"

namespace lingercam::pull::sftp {

/// SFTP v3 (draft-ietf-secsh-filexfer-02, section 6.2) caps handles at 256 bytes; OpenSSH's
/// are 4. Every READ repeats the handle, so a large one multiplies what requests cost.
inline constexpr std::size_t kMaxHandle = 256;
/// A server's STATUS message goes into one journal line and the D-Bus status: this many
/// characters at most, control characters escaped.
inline constexpr std::size_t kMaxStatusText = 200;
/// Entries of one folder listing, over all its READDIR replies. A day folder holds 1,440
/// frames at one a minute and 86,400 at one a second; a year folder 366 days.
inline constexpr std::size_t kMaxListingEntries = 100000;
/// Bytes of names and attributes of one folder listing (about 40 MB of hostile replies at
/// most are read before the listing fails; an honest day of 86,400 frames is ~8 MB).
inline constexpr std::size_t kMaxListingBytes = 32u << 20;
/// Extensions a VERSION reply may announce (OpenSSH 9 announces 10).
inline constexpr std::size_t kMaxExtensions = 64;

struct VersionReply {
	std::uint32_t version = 0;
	std::vector<std::pair<std::string, std::string>> extensions;
};
/// VERSION, after its type byte: version and extension pairs.
VersionReply parseVersion(std::span<const std::uint8_t> body);

struct Limits {
	std::uint64_t maxPacket = 0;
	std::uint64_t maxRead = 0;
	std::uint64_t maxWrite = 0;
	std::uint64_t maxOpenHandles = 0;
};
/// The EXTENDED_REPLY to limits@openssh.com.
Limits parseLimits(std::span<const std::uint8_t> body);

/// HANDLE: the handle, at most kMaxHandle bytes.
std::string parseHandle(std::span<const std::uint8_t> body);

struct Status {
	std::uint32_t code = 0;
	std::string message; ///< safeText() of the server's message
};
/// STATUS: code and message (the message is optional in the wild).
Status parseStatus(std::span<const std::uint8_t> body);

/// DATA: the bytes (a view into \a body).
std::span<const std::uint8_t> parseData(std::span<const std::uint8_t> body);

/// ATTRS (from LSTAT).
SftpAttrs parseAttrs(std::span<const std::uint8_t> body);

/// NAME (from READDIR, READLINK): each entry's name and attributes, the long names skipped.
/// The count is checked against the bytes before anything is reserved.
std::vector<SftpName> parseNames(std::span<const std::uint8_t> body);

/// \a text fit for one log line: at most \a max characters; control characters, DEL and
/// every byte outside printable ASCII as \xNN escapes (a backslash as \\); "..." when cut.
std::string safeText(std::string_view text, std::size_t max = kMaxStatusText);

} // namespace lingercam::pull::sftp
