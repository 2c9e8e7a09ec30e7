// SPDX-License-Identifier: BSD-2-Clause
// Copies stdin to stdout at no more than RATE bytes a second: between sftp-server and sshd
// (`Subsystem sftp sftp-server | throttle RATE`), it makes a loopback link slow enough that
// a kill at a random moment lands in the middle of a transfer.
//   throttle RATE
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 || std::atol(argv[1]) <= 0) {
		std::fprintf(stderr, "usage: throttle BYTES_PER_SECOND\n");
		return 2;
	}
	const double rate = static_cast<double>(std::atol(argv[1]));
	const auto start = std::chrono::steady_clock::now();
	double sent = 0;
	char buf[16384];
	for (;;) {
		const ssize_t n = ::read(0, buf, sizeof buf);
		if (n <= 0)
			return 0;
		for (ssize_t done = 0; done < n;) {
			const ssize_t w = ::write(1, buf + done, static_cast<std::size_t>(n - done));
			if (w <= 0)
				return 1;
			done += w;
		}
		sent += static_cast<double>(n);
		// Sleep until the bytes so far are due.
		std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
							      std::chrono::duration<double>(sent / rate)));
	}
}
