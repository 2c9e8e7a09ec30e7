// SPDX-License-Identifier: BSD-2-Clause
// SFTP replies parsed by pure functions within named bounds (see sftp_replies.h).
#include "sftp_replies.h"

#include "ssh_error.h"

namespace lingercam::pull::sftp {

namespace {

[[noreturn]] void malformed(const std::string &detail)
{
	throwSsh(SshError::Kind::Protocol, 0, "malformed SFTP reply", detail);
}

} // namespace

VersionReply parseVersion(std::span<const std::uint8_t> body)
{
	SftpReader r(body);
	VersionReply v;
	v.version = r.u32();
	while (!r.atEnd()) {
		if (v.extensions.size() == kMaxExtensions)
			malformed("VERSION announces more than " + std::to_string(kMaxExtensions) + " extensions");
		std::string name(r.string());
		std::string data(r.string());
		v.extensions.emplace_back(std::move(name), std::move(data));
	}
	return v;
}

Limits parseLimits(std::span<const std::uint8_t> body)
{
	SftpReader r(body);
	Limits l;
	l.maxPacket = r.u64();
	l.maxRead = r.u64();
	l.maxWrite = r.u64();
	l.maxOpenHandles = r.u64();
	return l;
}

std::string parseHandle(std::span<const std::uint8_t> body)
{
	SftpReader r(body);
	std::string_view handle = r.string();
	if (handle.size() > kMaxHandle)
		malformed("a handle of " + std::to_string(handle.size()) + " bytes (SFTP allows " +
			  std::to_string(kMaxHandle) + ")");
	return std::string(handle);
}

Status parseStatus(std::span<const std::uint8_t> body)
{
	SftpReader r(body);
	Status s;
	s.code = r.u32();
	if (!r.atEnd())
		s.message = safeText(r.string());
	return s;
}

std::span<const std::uint8_t> parseData(std::span<const std::uint8_t> body)
{
	SftpReader r(body);
	return r.bytes();
}

SftpAttrs parseAttrs(std::span<const std::uint8_t> body)
{
	SftpReader r(body);
	return r.attrs();
}

std::vector<SftpName> parseNames(std::span<const std::uint8_t> body)
{
	SftpReader r(body);
	const std::uint32_t count = r.u32();
	// Each entry takes at least 12 bytes (two empty strings and the attribute flags): a
	// count the bytes cannot hold is a lie, caught before anything is reserved.
	if (count > (body.size() - 4) / 12)
		malformed("NAME says " + std::to_string(count) + " entries in " + std::to_string(body.size()) + " bytes");
	std::vector<SftpName> names;
	names.reserve(count);
	for (std::uint32_t i = 0; i < count; ++i) {
		SftpName entry;
		entry.name = std::string(r.string());
		r.string(); // long name
		entry.attrs = r.attrs();
		names.push_back(std::move(entry));
	}
	return names;
}

std::string safeText(std::string_view text, std::size_t max)
{
	static constexpr char kHex[] = "0123456789abcdef";
	std::string out;
	std::size_t shown = 0;
	for (std::size_t i = 0; i < text.size(); ++i) {
		if (shown == max) {
			out += "...";
			break;
		}
		const auto c = static_cast<unsigned char>(text[i]);
		if (c < 0x20 || c == 0x7f || c >= 0x80) {
			// Escape control characters (ANSI sequences start with ESC) and every non-ASCII
			// byte: a terminal or journal viewer never interprets what a server sent.
			out += "\\x";
			out += kHex[c >> 4];
			out += kHex[c & 15];
		} else if (c == '\\') {
			out += "\\\\";
		} else {
			out += static_cast<char>(c);
		}
		++shown;
	}
	return out;
}

} // namespace lingercam::pull::sftp
