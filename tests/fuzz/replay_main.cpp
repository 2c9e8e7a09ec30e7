// SPDX-License-Identifier: BSD-2-Clause
// Runs a fuzz target over saved inputs, without libFuzzer: the corpus replay that every
// build runs under ASan and UBSan (g++ included), so past findings stay fixed.
//   <target>_replay FILE|DIR...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

int main(int argc, char **argv)
{
	namespace fs = std::filesystem;
	std::vector<fs::path> inputs;
	for (int i = 1; i < argc; ++i) {
		std::error_code ec;
		if (fs::is_directory(argv[i], ec)) {
			for (const auto &e : fs::directory_iterator(argv[i]))
				if (e.is_regular_file())
					inputs.push_back(e.path());
		} else if (fs::is_regular_file(argv[i], ec)) {
			inputs.emplace_back(argv[i]);
		} else {
			std::fprintf(stderr, "replay: no such file or folder: %s\n", argv[i]);
			return 2;
		}
	}
	if (inputs.empty()) {
		std::fprintf(stderr, "replay: no inputs (usage: %s FILE|DIR...)\n", argc > 0 ? argv[0] : "replay");
		return 2;
	}
	std::sort(inputs.begin(), inputs.end());
	for (const fs::path &p : inputs) {
		std::ifstream f(p, std::ios::binary);
		std::vector<std::uint8_t> bytes{ std::istreambuf_iterator<char>(f), {} };
		std::fprintf(stderr, "replay: %s (%zu bytes)\n", p.c_str(), bytes.size());
		LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
	}
	std::printf("replay: %zu inputs, no finding\n", inputs.size());
	return 0;
}
