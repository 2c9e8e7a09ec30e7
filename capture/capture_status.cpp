#include "capture_status.h"

#include "common/units.h"

namespace lingercam::capture {

std::string CaptureStatus::summary() const
{
	const CaptureState s = snapshot();
	std::string text = s.state;
	if (s.lastFrame)
		text += "; last frame " + s.lastFrame->iso();
	text += "; " + std::to_string(s.framesStored) + " frames, " + common::formatBytes(s.storeBytes);
	if (!s.lastError.empty() && s.state != "capturing")
		text += "; " + s.lastError;
	return text;
}

} // namespace lingercam::capture
