// SPDX-License-Identifier: BSD-2-Clause
// What every *_faults_test.cpp opens with: GoogleTest, the suite's helpers and harnesses, the
// standard headers they all use, and the names they use unqualified. For those files only
// (it brings namespaces into scope); a file adds what it alone needs after it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fault_support.h"
#include "pull_test_util.h"
#include "sshd_harness.h"

using namespace lingercam;
using namespace lingercam::test;
using namespace lingercam::test::faults;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
