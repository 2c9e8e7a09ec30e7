// SPDX-License-Identifier: BSD-2-Clause
// A FetchSink that keeps what a fetch delivers, and fails the test on a byte that does not
// arrive at the offset the item has reached (the fetch contract: each byte once, in order).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "pull/remote_store.h"

namespace lingercam::test {

class RecordingSink : public pull::FetchSink {
public:
	void data(std::size_t index, std::uint64_t offset, std::span<const std::uint8_t> bytes) override
	{
		std::string &got = bytes_[index];
		EXPECT_EQ(offset, got.size()) << "item " << index << ": bytes at offset " << offset << " after " << got.size();
		got.append(bytes.begin(), bytes.end());
	}
	void done(std::size_t index) override { verdicts_[index] = "done"; }
	void failed(std::size_t index, const std::string &reason, bool gone) override
	{
		verdicts_[index] = (gone ? "gone: " : "failed: ") + reason;
	}

	std::map<std::size_t, std::string> bytes_;
	std::map<std::size_t, std::string> verdicts_;
};

} // namespace lingercam::test
