// SPDX-License-Identifier: BSD-2-Clause
// A real camera through libcamera: one long-lived session, one still per capture().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "frame_source.h"

namespace libcamera {
class Camera;
class CameraConfiguration;
class CameraManager;
class ControlList;
class FrameBuffer;
class FrameBufferAllocator;
class PixelFormat;
class Request;
class Stream;
} // namespace libcamera

namespace lingercam::capture {

/// A real camera through libcamera. start() opens one long-lived session (acquire,
/// configure, allocate and map buffers, create requests); each capture() starts the
/// stream, drops settle frames for AE/AWB, keeps one still, and stops the stream again so
/// the sensor idles between stills. Nothing is re-opened per frame.
///
/// What the camera cannot do is said once in the log at start(): a size or format the
/// pipeline adjusted (the adjusted one is used), controls it lacks (ignored), flips it
/// cannot apply (then done in software on each still).
class LibcameraSource final : public FrameSource {
public:
	struct Options {
		std::string cameraId;   ///< empty: the first camera
		unsigned width = 1920;
		unsigned height = 1080;
		unsigned settleFrames = 3;
		bool hflip = false;
		bool vflip = false;
		unsigned rotation = 0; ///< 0 or 180
		std::optional<std::int32_t> exposureTimeUs;
		std::optional<float> analogueGain;
		std::optional<std::int32_t> awbMode; ///< libcamera::controls::AwbModeEnum
		std::optional<float> brightness;
		std::optional<float> contrast;
	};

	explicit LibcameraSource(const Options &options);
	~LibcameraSource() override;

	std::string name() const override;
	std::string model() const override { return model_; }
	void start() override;
	ImageView capture(std::chrono::milliseconds timeout) override;
	void stop() override;

	/// One line per camera libcamera sees ("id (model)"), for `lingercam-capture cameras`.
	static std::vector<std::string> listCameras();

private:
	struct Mapping {
		void *address = nullptr;
		std::size_t length = 0;
	};

	void configure();
	// Lets the camera adjust config, logs what it changed and sets the flips left to
	// software; returns the pixel layout the encoder gets.
	PixelLayout validateConfiguration(libcamera::CameraConfiguration &config, const libcamera::PixelFormat &askedFormat,
					  unsigned askedFlips);
	// Buffers for the stream, mapped, each in a request of its own: made once, reused by
	// every capture().
	void allocateBuffers();
	void mapBuffer(const libcamera::FrameBuffer &buffer);
	void chooseControls();
	void queue(libcamera::Request *request);
	void onRequestCompleted(libcamera::Request *request);
	void onDisconnected();
	ImageView viewOf(libcamera::Request *request);
	void stopStreaming();

	Options options_;
	std::string model_ = "unknown";
	std::unique_ptr<libcamera::CameraManager> manager_;
	std::shared_ptr<libcamera::Camera> camera_;
	std::unique_ptr<libcamera::FrameBufferAllocator> allocator_;
	std::vector<std::unique_ptr<libcamera::Request>> requests_;
	std::map<int, Mapping> mappings_; // by dmabuf fd: each mapped once at start()
	libcamera::Stream *stream_ = nullptr;
	// Set on every request of a capture (some pipelines, vimc among them, ignore the
	// list given to Camera::start()). Built once in start().
	std::unique_ptr<libcamera::ControlList> controls_;
	PixelLayout layout_ = PixelLayout::Rgb24;
	unsigned width_ = 0, height_ = 0, stride_ = 0;
	// Flips the camera could not apply (bit 0 horizontal, bit 1 vertical): done on the
	// still in software, into flipped_.
	unsigned softwareFlips_ = 0;
	std::vector<std::uint8_t> flipped_;
	bool acquired_ = false;
	bool streaming_ = false;

	// Filled by libcamera's thread, drained by capture().
	std::mutex mutex_;
	std::condition_variable completed_;
	std::deque<libcamera::Request *> done_;
	bool lost_ = false;
};

} // namespace lingercam::capture
