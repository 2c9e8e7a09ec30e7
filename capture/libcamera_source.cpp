#include "libcamera_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/mman.h>

#include <libcamera/libcamera.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"

namespace lingercam::capture {

using libcamera::CameraConfiguration;
using libcamera::PixelFormat;
using libcamera::Request;
using libcamera::StreamRole;
namespace formats = libcamera::formats;

namespace {

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
		throw CameraError(CameraError::Kind::Failed,
				  std::string("cannot start libcamera's camera manager: ") + std::strerror(-ret));
	std::vector<std::string> lines;
	for (const auto &camera : manager.cameras()) {
		auto model = camera->properties().get(libcamera::properties::Model);
		lines.push_back(camera->id() + " (" + (model ? *model : std::string("unknown model")) + ")");
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
		throw CameraError(CameraError::Kind::Failed,
				  std::string("cannot start libcamera's camera manager: ") + std::strerror(-ret));
	}
	auto cameras = manager_->cameras();
	if (cameras.empty()) {
		stop();
		throw CameraError(CameraError::Kind::NotFound,
				  "no camera found: libcamera lists none (is a camera connected and enabled, and may "
				  "this user open /dev/video* and /dev/media*, e.g. as a member of group video?)");
	}
	camera_ = options_.cameraId.empty() ? cameras.front() : manager_->get(options_.cameraId);
	if (!camera_) {
		std::string available = describeCameras(cameras);
		stop();
		throw CameraError(CameraError::Kind::NotFound,
				  "camera \"" + options_.cameraId + "\" not found; libcamera lists: " + available);
	}
	if (int ret = camera_->acquire(); ret < 0) {
		std::string id = camera_->id();
		stop();
		throw CameraError(ret == -EBUSY ? CameraError::Kind::Busy : CameraError::Kind::Failed,
				  "cannot acquire camera " + id + ": " +
					  (ret == -EBUSY ? "it is in use by another process" : std::strerror(-ret)));
	}
	acquired_ = true;
	if (auto model = camera_->properties().get(libcamera::properties::Model))
		model_ = *model;

	std::unique_ptr<CameraConfiguration> config = camera_->generateConfiguration({ StreamRole::StillCapture });
	if (!config || config->empty()) {
		stop();
		throw CameraError(CameraError::Kind::Failed, "camera offers no still-capture configuration");
	}
	libcamera::StreamConfiguration &sc = config->at(0);
	std::vector<PixelFormat> offered = sc.formats().pixelformats();
	const FormatChoice *choice = nullptr;
	for (const FormatChoice &f : supportedFormats())
		if (std::find(offered.begin(), offered.end(), f.format) != offered.end()) {
			choice = &f;
			break;
		}
	if (!choice) {
		std::string list;
		for (const PixelFormat &f : offered)
			list += (list.empty() ? "" : ", ") + f.toString();
		stop();
		throw CameraError(CameraError::Kind::Failed,
				  "camera offers no pixel format the JPEG encoder takes (offered: " + list + ")");
	}
	sc.pixelFormat = choice->format;
	sc.size = libcamera::Size(options_.width, options_.height);
	sc.bufferCount = std::max(sc.bufferCount, 2u);

	libcamera::Transform transform = libcamera::Transform::Identity;
	if (options_.hflip)
		transform = transform * libcamera::Transform::HFlip;
	if (options_.vflip)
		transform = transform * libcamera::Transform::VFlip;
	if (options_.rotation == 180)
		transform = transform * libcamera::Transform::Rot180;
#if LIBCAMERA_VERSION_MAJOR == 0 && LIBCAMERA_VERSION_MINOR < 2
	config->transform = transform;
#else
	config->orientation = libcamera::Orientation::Rotate0 * transform;
#endif

	CameraConfiguration::Status status = config->validate();
	if (status == CameraConfiguration::Invalid) {
		stop();
		throw CameraError(CameraError::Kind::Failed, "camera rejected the configuration " + sc.toString());
	}
	if (status == CameraConfiguration::Adjusted)
		log->warn("camera adjusted the requested configuration requested={}x{} got={}", options_.width,
			  options_.height, sc.toString());
	if (int ret = camera_->configure(config.get()); ret < 0) {
		stop();
		throw CameraError(CameraError::Kind::Failed, std::string("cannot configure camera: ") + std::strerror(-ret));
	}
	stream_ = sc.stream();
	width_ = sc.size.width;
	height_ = sc.size.height;
	stride_ = sc.stride;
	layout_ = choice->layout;
	for (const FormatChoice &f : supportedFormats())
		if (f.format == sc.pixelFormat)
			layout_ = f.layout;

	allocator_ = std::make_unique<libcamera::FrameBufferAllocator>(camera_);
	if (allocator_->allocate(stream_) < 0) {
		stop();
		throw CameraError(CameraError::Kind::Failed, "cannot allocate camera buffers");
	}
	for (const std::unique_ptr<libcamera::FrameBuffer> &buffer : allocator_->buffers(stream_)) {
		// Planes of one buffer often share a dmabuf: map each dmabuf once, whole.
		std::map<int, std::size_t> extent;
		for (const libcamera::FrameBuffer::Plane &plane : buffer->planes())
			extent[plane.fd.get()] = std::max(extent[plane.fd.get()],
							  static_cast<std::size_t>(plane.offset) + plane.length);
		for (const auto &[fd, length] : extent) {
			if (mappings_.count(fd))
				continue;
			void *address = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
			if (address == MAP_FAILED) {
				int err = errno;
				stop();
				throw CameraError(CameraError::Kind::Failed,
						  std::string("cannot map camera buffer: ") + std::strerror(err));
			}
			mappings_[fd] = { address, length };
		}
		std::unique_ptr<Request> request = camera_->createRequest();
		if (!request || request->addBuffer(stream_, buffer.get()) < 0) {
			stop();
			throw CameraError(CameraError::Kind::Failed, "cannot create a capture request");
		}
		requests_.push_back(std::move(request));
	}
	camera_->requestCompleted.connect(this, &LibcameraSource::onRequestCompleted);
	camera_->disconnected.connect(this, &LibcameraSource::onDisconnected);
	{
		std::lock_guard lock(mutex_);
		lost_ = false;
	}
	log->info("camera ready camera={} model=\"{}\" config={} layout={} buffers={}", camera_->id(), model_,
		  sc.toString(), layoutName(layout_), requests_.size());
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

ImageView LibcameraSource::capture(std::chrono::milliseconds timeout)
{
	if (!acquired_)
		throw CameraError(CameraError::Kind::Failed, "camera used before start()");
	{
		std::lock_guard lock(mutex_);
		if (lost_)
			throw CameraError(CameraError::Kind::Lost, "camera " + camera_->id() + " was disconnected");
		done_.clear();
	}

	libcamera::ControlList controls(libcamera::controls::controls);
	const libcamera::ControlInfoMap &info = camera_->controls();
	if (options_.exposureTimeUs && info.count(&libcamera::controls::ExposureTime))
		controls.set(libcamera::controls::ExposureTime, *options_.exposureTimeUs);
	if (options_.analogueGain && info.count(&libcamera::controls::AnalogueGain))
		controls.set(libcamera::controls::AnalogueGain, *options_.analogueGain);
	if (options_.awbMode && info.count(&libcamera::controls::AwbMode))
		controls.set(libcamera::controls::AwbMode, *options_.awbMode);
	if (options_.brightness && info.count(&libcamera::controls::Brightness))
		controls.set(libcamera::controls::Brightness, *options_.brightness);
	if (options_.contrast && info.count(&libcamera::controls::Contrast))
		controls.set(libcamera::controls::Contrast, *options_.contrast);

	if (int ret = camera_->start(&controls); ret < 0)
		throw CameraError(ret == -ENODEV ? CameraError::Kind::Lost : CameraError::Kind::Failed,
				  std::string("cannot start camera: ") + std::strerror(-ret));
	streaming_ = true;
	for (auto &request : requests_) {
		request->reuse(Request::ReuseBuffers);
		if (int ret = camera_->queueRequest(request.get()); ret < 0) {
			stopStreaming();
			throw CameraError(CameraError::Kind::Failed,
					  std::string("cannot queue a capture request: ") + std::strerror(-ret));
		}
	}

	const auto deadline = std::chrono::steady_clock::now() + timeout;
	unsigned wanted = options_.settleFrames + 1;
	Request *still = nullptr;
	while (!still) {
		Request *request = nullptr;
		{
			std::unique_lock lock(mutex_);
			if (!completed_.wait_until(lock, deadline, [this] { return !done_.empty() || lost_; })) {
				lock.unlock();
				stopStreaming();
				throw CameraError(CameraError::Kind::Timeout,
						  "camera gave no frame within " + std::to_string(timeout.count()) + " ms");
			}
			if (lost_) {
				lock.unlock();
				stopStreaming();
				throw CameraError(CameraError::Kind::Lost, "camera was disconnected during a capture");
			}
			request = done_.front();
			done_.pop_front();
		}
		if (request->status() != Request::RequestComplete)
			continue;
		if (--wanted == 0) {
			still = request;
			break;
		}
		// A settle frame: AE/AWB adjust over these; hand the buffer back.
		request->reuse(Request::ReuseBuffers);
		camera_->queueRequest(request);
	}
	// The still's buffer stays mapped and untouched after stop(); the view lives until
	// the next capture().
	camera_->stop();
	streaming_ = false;
	{
		std::lock_guard lock(mutex_);
		done_.clear();
	}
	return viewOf(still);
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
	if (camera_ && acquired_)
		camera_->release();
	acquired_ = false;
	camera_.reset();
	if (manager_)
		manager_->stop();
	manager_.reset();
	stream_ = nullptr;
}

} // namespace lingercam::capture
