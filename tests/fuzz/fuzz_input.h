// SPDX-License-Identifier: BSD-2-Clause
// The fuzzer's bytes as a stream of choices. Past the end every choice is 0 (the honest
// one), so a short input is an honest session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

namespace lingercam::fuzz {

class FuzzInput {
public:
	FuzzInput(const std::uint8_t *data, std::size_t size) : data_(data, size) {}

	std::uint8_t u8() { return pos_ < data_.size() ? data_[pos_++] : 0; }
	std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
	std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) << 16 | u16(); }
	std::uint64_t u64() { return static_cast<std::uint64_t>(u32()) << 32 | u32(); }
	bool flag() { return u8() & 1; }
	/// A number in [0, n), n > 0.
	std::size_t below(std::size_t n) { return u32() % n; }
	/// Up to \a max bytes, as many as the input says (and has).
	std::vector<std::uint8_t> bytes(std::size_t max)
	{
		// Two statements: the length's bytes are taken first, whatever order a compiler
		// evaluates arguments in (g++ goes right to left; the g++ replay found that).
		const std::size_t wanted = below(max + 1);
		const std::size_t n = std::min<std::size_t>(wanted, data_.size() - pos_);
		std::vector<std::uint8_t> out(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
					      data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
		pos_ += n;
		return out;
	}
	/// What is left, all of it.
	std::span<const std::uint8_t> rest()
	{
		auto out = data_.subspan(pos_);
		pos_ = data_.size();
		return out;
	}
	bool exhausted() const { return pos_ >= data_.size(); }

private:
	std::span<const std::uint8_t> data_;
	std::size_t pos_ = 0;
};

/// Fit for a log line as it is: printable ASCII only (what every text pull shows must be).
inline bool printable(std::string_view s)
{
	for (unsigned char c : s)
		if (c < 0x20 || c >= 0x7f)
			return false;
	return true;
}

} // namespace lingercam::fuzz

/// A contract the code under test broke: a finding. Aborts, so libFuzzer (and the corpus
/// replay under ASan) report it with the input.
#define FUZZ_CHECK(cond)                                                                                 \
	do {                                                                                             \
		if (!(cond)) {                                                                           \
			std::fprintf(stderr, "fuzz contract broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			std::abort();                                                                    \
		}                                                                                        \
	} while (0)
