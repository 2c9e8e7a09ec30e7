// SPDX-License-Identifier: BSD-2-Clause
// A real camera through libcamera (see libcamera_source.h).
#include "libcamera_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/mman.h>

#include <libcamera/libcamera.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "camera_controls.h"
#include "common/units.h"
#include "libcamera_version.h"
#include "still_picker.h"

namespace lingercam::capture {

using libcamera::CameraConfiguration;
using libcamera::PixelFormat;
using libcamera::Request;
using libcamera::StreamRole;
namespace formats = libcamera::formats;

// libcamera API changes this file follows (compile-checked by tests/compat/libcamera-compat.sh
// against Debian's 0.4 and 0.7 headers; built and run on vimc in the camera VM with 0.0.3,
// 0.4 and 0.7, tests/e2e/camera-vm):
// - 0.2: CameraConfiguration::transform gave way to ::orientation (libcamera::Orientation),
//   which also folds in how the sensor is mounted.
// - 0.5: ExposureTime and AnalogueGain apply only with ExposureTimeMode and
//   AnalogueGainMode set to Manual (AeEnable became a wrapper around the two).
// - 0.5.2: frames right after start() come back marked FrameStartup instead of being
//   dropped; only FrameSuccess frames count (still_picker.h).
// - 0.6/0.7: string properties (Model) are std::string_view controls: copy before use.

namespace {

// Flips as libcamera::Transform spells them: bit 0 horizontal, bit 1 vertical; both is
// a 180 degree rotation.
constexpr unsigned kHFlip = 1;
constexpr unsigned kVFlip = 2;

std::string flipsName(unsigned flips)
{
	switch (flips & (kHFlip | kVFlip)) {
	case 0:
		return "none";
	case kHFlip:
		return "hflip";
	case kVFlip:
		return "vflip";
	default:
		return "rotate180";
	}
}

struct FormatChoice {
	PixelFormat format;
	PixelLayout layout;
};

// Preference order: what the encoder takes with the least work.
const std::vector<FormatChoice> &supportedFormats()
{
	static const std::vector<FormatChoice> kFormats = {
		{ formats::YUV420, PixelLayout::Yuv420 }, { formats::NV12, PixelLayout::Nv12 },
		{ formats::NV21, PixelLayout::Nv21 },     { formats::BGR888, PixelLayout::Rgb24 },
		{ formats::RGB888, PixelLayout::Bgr24 },  { formats::XBGR8888, PixelLayout::Xbgr32 },
		{ formats::XRGB8888, PixelLayout::Xrgb32 }, { formats::YUYV, PixelLayout::Yuyv },
	};
	return kFormats;
}

std::string describeCameras(const std::vector<std::shared_ptr<libcamera::Camera>> &cameras)
{
	std::string out;
	for (const auto &c : cameras)
		out += (out.empty() ? "" : ", ") + c->id();
	return out.empty() ? "none" : out;
}

// "YUV420,NV12": formats for the log.
std::string formatList(const std::vector<PixelFormat> &formats)
{
	std::string out;
	for (const PixelFormat &f : formats)
		common::appendListItem(out, ",", f.toString());
	return out;
}

// The first of the encoder's formats, in its order of preference, that the camera offers.
const FormatChoice &preferredFormat(const std::vector<PixelFormat> &offered)
{
	for (const FormatChoice &f : supportedFormats())
		if (std::find(offered.begin(), offered.end(), f.format) != offered.end())
			return f;
	throw CameraError("camera offers no pixel format the JPEG encoder takes (offered: " + formatList(offered) + ")");
}

// How the encoder takes \a format; nullptr if it does not.
const FormatChoice *formatChoiceOf(const PixelFormat &format)
{
	for (const FormatChoice &f : supportedFormats())
		if (f.format == format)
			return &f;
	return nullptr;
}

// The flips capture.toml asks for, rotation 180 being both.
unsigned requestedFlips(const LibcameraSource::Options &options)
{
	return (options.hflip ? kHFlip : 0) ^ (options.vflip ? kVFlip : 0) ^
	       (options.rotation == 180 ? kHFlip | kVFlip : 0);
}

void setFlips(CameraConfiguration &config, unsigned flips)
{
	const auto transform = static_cast<libcamera::Transform>(flips);
#if LINGERCAM_LIBCAMERA_AT_LEAST(0, 2)
	config.orientation = libcamera::Orientation::Rotate0 * transform;
#else
	config.transform = transform;
#endif
}

// The flips the camera applies to a validated configuration (libcamera::Transform bits).
unsigned cameraFlips(const CameraConfiguration &config)
{
#if LINGERCAM_LIBCAMERA_AT_LEAST(0, 2)
	return static_cast<unsigned>(config.orientation / libcamera::Orientation::Rotate0);
#else
	return static_cast<unsigned>(config.transform);
#endif
}

} // namespace

LibcameraSource::LibcameraSource(const Options &options) : options_(options)
{
}

LibcameraSource::~LibcameraSource()
{
	stop();
}

std::string LibcameraSource::name() const
{
	return camera_ ? "libcamera " + camera_->id() : "libcamera";
}

std::vector<std::string> LibcameraSource::listCameras()
{
	libcamera::CameraManager manager;
	if (int ret = manager.start(); ret < 0)
		throw CameraError(std::string("cannot start libcamera's camera manager: ") + std::strerror(-ret));
	std::vector<std::string> lines;
	for (const auto &camera : manager.cameras()) {
		auto model = camera->properties().get(libcamera::properties::Model);
		lines.push_back(camera->id() + " (" + (model ? std::string(*model) : std::string("unknown model")) + ")");
	}
	manager.stop();
	return lines;
}

void LibcameraSource::start()
{
	if (acquired_)
		return;
	auto log = common::logger("camera");
	manager_ = std::make_unique<libcamera::CameraManager>();
	if (int ret = manager_->start(); ret < 0) {
		manager_.reset();
		throw CameraError(std::string("cannot start libcamera's camera manager: ") + std::strerror(-ret));
	}
	auto cameras = manager_->cameras();
	if (cameras.empty()) {
		stop();
		throw CameraError("no camera found: libcamera lists none (is a camera connected and enabled, and may "
				  "this user open /dev/video* and /dev/media*, e.g. as a member of group video?)");
	}
	camera_ = options_.cameraId.empty() ? cameras.front() : manager_->get(options_.cameraId);
	if (!camera_) {
		std::string available = describeCameras(cameras);
		stop();
		throw CameraError("camera \"" + options_.cameraId + "\" not found; libcamera lists: " + available);
	}
	if (int ret = camera_->acquire(); ret < 0) {
		std::string id = camera_->id();
		stop();
		throw CameraError("cannot acquire camera " + id + ": " +
				  (ret == -EBUSY ? "it is in use by another process" : std::strerror(-ret)));
	}
	acquired_ = true;
	if (auto model = camera_->properties().get(libcamera::properties::Model))
		model_ = std::string(*model);
	try {
		configure();
	} catch (...) {
		stop();
		throw;
	}
}

void LibcameraSource::configure()
{
	std::unique_ptr<CameraConfiguration> config = camera_->generateConfiguration({ StreamRole::StillCapture });
	if (!config || config->empty())
		throw CameraError("camera offers no still-capture configuration");
	libcamera::StreamConfiguration &sc = config->at(0);
	const std::vector<PixelFormat> offered = sc.formats().pixelformats();
	const FormatChoice &asked = preferredFormat(offered);
	sc.pixelFormat = asked.format;
	sc.size = libcamera::Size(options_.width, options_.height);
	sc.bufferCount = std::max(sc.bufferCount, 2u);
	const unsigned flips = requestedFlips(options_);
	setFlips(*config, flips);
	const PixelLayout layout = validateConfiguration(*config, asked.format, flips);

	if (int ret = camera_->configure(config.get()); ret < 0)
		throw CameraError(std::string("cannot configure camera: ") + std::strerror(-ret));
	stream_ = sc.stream();
	width_ = sc.size.width;
	height_ = sc.size.height;
	stride_ = sc.stride;
	layout_ = layout;
	allocateBuffers();
	chooseControls();
	camera_->requestCompleted.connect(this, &LibcameraSource::onRequestCompleted);
	camera_->disconnected.connect(this, &LibcameraSource::onDisconnected);
	{
		std::lock_guard lock(mutex_);
		lost_ = false;
	}
	// Without software flips, the camera applies all that was asked.
	common::logger("camera")->info(
		"camera ready camera=\"{}\" model=\"{}\" format={} size={} stride={} frame_bytes={} layout={} "
		"buffers={} settle_frames={} flip={} offered_formats={}",
		camera_->id(), model_, sc.pixelFormat.toString(), sc.size.toString(), sc.stride, sc.frameSize,
		layoutName(layout_), requests_.size(), options_.settleFrames,
		softwareFlips_ ? flipsName(softwareFlips_) + "(software)" : flipsName(flips), formatList(offered));
}

PixelLayout LibcameraSource::validateConfiguration(CameraConfiguration &config, const PixelFormat &askedFormat,
						   unsigned askedFlips)
{
	auto log = common::logger("camera");
	libcamera::StreamConfiguration &sc = config.at(0);
	const libcamera::Size askedSize(options_.width, options_.height);
	CameraConfiguration::Status status = config.validate();
	if (status == CameraConfiguration::Invalid)
		throw CameraError("camera rejected the configuration " + sc.toString());

	// What validate() changed: each said on its own line, so the journal says why a frame
	// is not what capture.toml asks for.
	if (sc.size != askedSize)
		log->warn("camera adjusted the image size requested={} using={} (the nearest the camera can deliver)",
			  askedSize.toString(), sc.size.toString());
	const FormatChoice *used = formatChoiceOf(sc.pixelFormat);
	if (!used)
		throw CameraError("camera adjusted the pixel format to " + sc.pixelFormat.toString() +
				  ", which the JPEG encoder does not take");
	if (sc.pixelFormat != askedFormat)
		log->warn("camera adjusted the pixel format requested={} using={}", askedFormat.toString(),
			  sc.pixelFormat.toString());
	const unsigned cameraApplies = cameraFlips(config);
	if (cameraApplies & ~(kHFlip | kVFlip))
		throw CameraError("camera adjusted the orientation to one that transposes the image (transform " +
				  std::to_string(cameraApplies) + "); only flips and 180 degree rotation are supported");
	softwareFlips_ = askedFlips ^ cameraApplies;
	if (softwareFlips_)
		log->warn("camera cannot flip or rotate as configured requested={} camera_applies={} software_applies={}: "
			  "each still is flipped in software (a copy of every frame)",
			  flipsName(askedFlips), flipsName(cameraApplies), flipsName(softwareFlips_));
	if (status == CameraConfiguration::Adjusted)
		log->info("camera adjusted the configuration requested={}x{}-{} flip={} got={} flip={}", options_.width,
			  options_.height, askedFormat.toString(), flipsName(askedFlips), sc.toString(),
			  flipsName(cameraApplies));
	return used->layout;
}

void LibcameraSource::allocateBuffers()
{
	allocator_ = std::make_unique<libcamera::FrameBufferAllocator>(camera_);
	if (allocator_->allocate(stream_) < 0)
		throw CameraError("cannot allocate camera buffers");
	for (const std::unique_ptr<libcamera::FrameBuffer> &buffer : allocator_->buffers(stream_)) {
		mapBuffer(*buffer);
		std::unique_ptr<Request> request = camera_->createRequest();
		if (!request || request->addBuffer(stream_, buffer.get()) < 0)
			throw CameraError("cannot create a capture request");
		requests_.push_back(std::move(request));
	}
}

void LibcameraSource::mapBuffer(const libcamera::FrameBuffer &buffer)
{
	// Planes of one buffer often share a dmabuf: map each dmabuf once, whole.
	std::map<int, std::size_t> extent;
	for (const libcamera::FrameBuffer::Plane &plane : buffer.planes())
		extent[plane.fd.get()] =
			std::max(extent[plane.fd.get()], static_cast<std::size_t>(plane.offset) + plane.length);
	for (const auto &[fd, length] : extent) {
		if (mappings_.count(fd))
			continue;
		void *address = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
		if (address == MAP_FAILED) {
			int err = errno;
			throw CameraError(std::string("cannot map camera buffer: ") + std::strerror(err));
		}
		mappings_[fd] = { address, length };
	}
}

void LibcameraSource::chooseControls()
{
	auto log = common::logger("camera");
	ControlChoice choice = capture::chooseControls(camera_->controls(), options_);
	controls_ = std::move(choice.controls);
	if (!choice.applied.empty())
		log->info("camera controls from config applied {}", choice.applied);
	if (!choice.ignored.empty())
		log->warn("camera controls from config ignored={}: the camera has no such control (it has: {})",
			  choice.ignored, choice.cameraHas);
}

void LibcameraSource::onRequestCompleted(Request *request)
{
	// libcamera's thread: hand over, never block.
	{
		std::lock_guard lock(mutex_);
		done_.push_back(request);
	}
	completed_.notify_one();
}

void LibcameraSource::onDisconnected()
{
	// libcamera's thread. The next (or current) capture() throws "disconnected", and the
	// capture loop releases the camera and looks for it again.
	common::logger("camera")->warn("camera disconnected camera=\"{}\"", camera_ ? camera_->id() : std::string());
	{
		std::lock_guard lock(mutex_);
		lost_ = true;
	}
	completed_.notify_one();
}

void LibcameraSource::stopStreaming()
{
	if (streaming_ && camera_)
		camera_->stop(); // cancels and completes whatever is still queued
	streaming_ = false;
	std::lock_guard lock(mutex_);
	done_.clear();
}

void LibcameraSource::queue(Request *request)
{
	request->reuse(Request::ReuseBuffers);
	request->controls().merge(*controls_);
	if (int ret = camera_->queueRequest(request); ret < 0) {
		stopStreaming();
		throw CameraError(std::string("cannot queue a capture request: ") + std::strerror(-ret));
	}
}

ImageView LibcameraSource::capture(std::chrono::milliseconds timeout)
{
	if (!acquired_)
		throw CameraError("camera used before start()");
	{
		std::lock_guard lock(mutex_);
		if (lost_)
			throw CameraError("camera " + camera_->id() + " was disconnected");
		done_.clear();
	}

	const auto started = std::chrono::steady_clock::now();
	const auto deadline = started + timeout;
	if (int ret = camera_->start(controls_.get()); ret < 0)
		throw CameraError(std::string("cannot start camera: ") + std::strerror(-ret));
	streaming_ = true;
	// Every request carries the controls: some pipelines (vimc) apply only per-request ones.
	for (auto &request : requests_)
		queue(request.get());

	// Only a good frame counts, as settle frame or still (still_picker.h); the rest are
	// handed back, or dropped when cancelled.
	StillPicker picker(options_.settleFrames);
	Request *still = nullptr;
	while (!still) {
		Request *request = nullptr;
		{
			std::unique_lock lock(mutex_);
			if (!completed_.wait_until(lock, deadline, [this] { return !done_.empty() || lost_; })) {
				lock.unlock();
				stopStreaming();
				throw CameraError("camera gave no frame within " + std::to_string(timeout.count()) +
						  " ms (settle frames wanted: " + std::to_string(options_.settleFrames) +
						  "; so far " + picker.summary() + ")");
			}
			if (lost_) {
				lock.unlock();
				stopStreaming();
				throw CameraError("camera was disconnected during a capture");
			}
			request = done_.front();
			done_.pop_front();
		}
		const libcamera::FrameMetadata &frame = request->buffers().begin()->second->metadata();
		switch (picker.offer(request->status(), frame.status)) {
		case StillPicker::Action::Take:
			still = request;
			break;
		case StillPicker::Action::Requeue:
			queue(request);
			break;
		case StillPicker::Action::Drop:
			break;
		}
	}
	const unsigned sequence = still->buffers().begin()->second->metadata().sequence;
	// The still's buffer stays mapped and untouched after stop(); the view lives until
	// the next capture().
	camera_->stop();
	streaming_ = false;
	{
		std::lock_guard lock(mutex_);
		done_.clear();
	}
	common::logger("camera")->debug(
		"still taken sequence={} {} capture_ms={}", sequence, picker.summary(),
		std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
	ImageView view = viewOf(still);
	return softwareFlips_ ? flipImage(view, softwareFlips_ & kHFlip, softwareFlips_ & kVFlip, flipped_) : view;
}

ImageView LibcameraSource::viewOf(Request *request)
{
	libcamera::FrameBuffer *buffer = request->buffers().begin()->second;
	const auto &planes = buffer->planes();
	ImageView view;
	view.layout = layout_;
	view.width = width_;
	view.height = height_;
	view.planeCount = static_cast<unsigned>(std::min<std::size_t>(planes.size(), 3));
	auto planeData = [&](std::size_t i) {
		const Mapping &m = mappings_.at(planes[i].fd.get());
		return static_cast<const std::uint8_t *>(m.address) + planes[i].offset;
	};
	for (std::size_t i = 0; i < view.planeCount; ++i)
		view.planes[i] = { planeData(i), stride_, planes[i].length };

	// Single-plane buffers of multi-plane formats: derive the chroma planes.
	const std::size_t ySize = static_cast<std::size_t>(stride_) * height_;
	if ((layout_ == PixelLayout::Yuv420 || layout_ == PixelLayout::Nv12 || layout_ == PixelLayout::Nv21) &&
	    view.planeCount == 1) {
		const std::uint8_t *base = view.planes[0].data;
		view.planes[0].size = ySize;
		if (layout_ == PixelLayout::Yuv420) {
			const std::size_t cSize = ySize / 4;
			view.planes[1] = { base + ySize, stride_ / 2, cSize };
			view.planes[2] = { base + ySize + cSize, stride_ / 2, cSize };
			view.planeCount = 3;
		} else {
			view.planes[1] = { base + ySize, stride_, ySize / 2 };
			view.planeCount = 2;
		}
	} else if (layout_ == PixelLayout::Yuv420) {
		view.planes[1].stride = view.planes[2].stride = stride_ / 2;
	}
	return view;
}

void LibcameraSource::stop()
{
	if (camera_) {
		stopStreaming();
		camera_->requestCompleted.disconnect(this);
		camera_->disconnected.disconnect(this);
	}
	requests_.clear();
	for (auto &[fd, m] : mappings_)
		::munmap(m.address, m.length);
	mappings_.clear();
	allocator_.reset();
	controls_.reset();
	if (camera_ && acquired_)
		camera_->release();
	acquired_ = false;
	camera_.reset();
	if (manager_)
		manager_->stop();
	manager_.reset();
	stream_ = nullptr;
	softwareFlips_ = 0;
}

} // namespace lingercam::capture
