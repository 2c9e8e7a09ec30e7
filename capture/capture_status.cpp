// SPDX-License-Identifier: BSD-2-Clause
// The capture daemon's state words and STATUS line (see capture_status.h).
#include "capture_status.h"

#include "common/units.h"

namespace lingercam::capture {

std::string stateName(CaptureState::State state)
{
	switch (state) {
	case CaptureState::State::Starting: return "starting";
	case CaptureState::State::Capturing: return "capturing";
	case CaptureState::State::WaitingForCamera: return "waiting for camera";
	case CaptureState::State::StoreError: return "store error";
	}
	return "unknown";
}

std::string CaptureStatus::summary() const
{
	const CaptureState s = snapshot();
	std::string text = stateName(s.state);
	if (s.lastFrame)
		text += "; last frame " + s.lastFrame->iso();
	text += "; " + std::to_string(s.framesStored) + " frames, " + common::formatBytes(s.storeBytes);
	if (!s.lastError.empty() && s.state != CaptureState::State::Capturing)
		text += "; " + s.lastError;
	return text;
}

} // namespace lingercam::capture
