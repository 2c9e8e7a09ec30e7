// SPDX-License-Identifier: BSD-2-Clause
// sdbus-c++ 1 (Debian 12) and 2 (Debian 13, Raspberry Pi OS trixie) behind one set of names.
//
// This header is the only place in lingercam that knows the two apart; everything else
// writes lingercam::common::dbus::… and compiles against either. What changed in 2.0, as far
// as lingercam uses it:
//  - bus names, object paths, interface and member names are strong types
//    (sdbus::ServiceName, ObjectPath, InterfaceName, MemberName) with explicit constructors,
//    so createProxy(), requestName()/releaseName(), the AdaptorInterfaces and
//    ProxyInterfaces constructors and sdbus::Error no longer take plain strings;
//  - objects are described by a vtable given whole per interface
//    (IObject::addVTable(interface, items)), instead of registerMethod()/registerProperty()
//    one by one followed by finishRegistration();
//  - sdbus-c++-xml2cpp generates adaptors and proxies against that API. The XML in
//    common/dbus/ stays the one source: each version's own generator runs at build time.
// Unchanged and used as is: connections and their event loop, callMethod() with
// onInterface()/withTimeout()/withArguments()/storeResultsTo() (string overloads remain),
// Variant, ObjectPath, Error::getName()/getMessage().
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#ifndef LINGERCAM_SDBUSCPP_MAJOR
#error "LINGERCAM_SDBUSCPP_MAJOR comes from common/CMakeLists.txt (find_package(sdbus-c++))"
#endif

namespace lingercam::common::dbus {

#if LINGERCAM_SDBUSCPP_MAJOR >= 2
using ServiceName = sdbus::ServiceName;
using ErrorName = sdbus::Error::Name;
#else
using ServiceName = std::string;
using ErrorName = std::string;
#endif

/// A proxy for \a path at \a destination on a borrowed \a connection: calls block on it,
/// no event loop thread of the proxy's own.
inline std::unique_ptr<sdbus::IProxy> createProxy(sdbus::IConnection &connection, const std::string &destination,
						  const std::string &path)
{
	return sdbus::createProxy(connection, ServiceName(destination), sdbus::ObjectPath(path));
}

inline void requestName(sdbus::IConnection &connection, const std::string &name)
{
	connection.requestName(ServiceName(name));
}

inline void releaseName(sdbus::IConnection &connection, const std::string &name)
{
	connection.releaseName(ServiceName(name));
}

/// A D-Bus error reply named \a name (as a server throws it from a method).
inline sdbus::Error error(const std::string &name, const std::string &message)
{
	return sdbus::Error(ErrorName(name), message);
}

/// Base of a generated adaptor's implementation: \a Interfaces are the classes that
/// sdbus-c++-xml2cpp made from the XML. The final class calls registerAdaptor() in its
/// constructor and unregisterAdaptor() in its destructor, as with sdbus::AdaptorInterfaces.
template <typename... Interfaces>
class Adaptor : public sdbus::AdaptorInterfaces<Interfaces...> {
protected:
	Adaptor(sdbus::IConnection &connection, const std::string &path)
		: sdbus::AdaptorInterfaces<Interfaces...>(connection, sdbus::ObjectPath(path))
	{
	}
	~Adaptor() = default;
};

/// Base of a generated proxy on a borrowed connection; the final class calls registerProxy()
/// and unregisterProxy(), as with sdbus::ProxyInterfaces.
template <typename... Interfaces>
class Proxy : public sdbus::ProxyInterfaces<Interfaces...> {
protected:
	Proxy(sdbus::IConnection &connection, const std::string &destination, const std::string &path)
		: sdbus::ProxyInterfaces<Interfaces...>(connection, ServiceName(destination), sdbus::ObjectPath(path))
	{
	}
	~Proxy() = default;
};

/// An object served by hand, method by method and property by property (the tests' stand-ins
/// for logind, timedated and systemd): sdbus-c++ 1 registers each member as it comes,
/// 2 takes each interface's vtable whole, which finish() hands over.
class ObjectBuilder {
public:
	ObjectBuilder(sdbus::IConnection &connection, const std::string &path)
		: object_(sdbus::createObject(connection, sdbus::ObjectPath(path)))
	{
	}

	/// \a callback's signature is the method's D-Bus signature; it may throw dbus::error().
	template <typename Callback>
	ObjectBuilder &method(const std::string &interface, const std::string &name, Callback &&callback)
	{
		usable();
#if LINGERCAM_SDBUSCPP_MAJOR >= 2
		items(interface).push_back(sdbus::registerMethod(name).implementedAs(std::forward<Callback>(callback)));
#else
		object_->registerMethod(name).onInterface(interface).implementedAs(std::forward<Callback>(callback));
#endif
		return *this;
	}

	/// A read-only property whose value \a getter returns when asked.
	template <typename Getter>
	ObjectBuilder &property(const std::string &interface, const std::string &name, Getter &&getter)
	{
		usable();
#if LINGERCAM_SDBUSCPP_MAJOR >= 2
		items(interface).push_back(sdbus::registerProperty(name).withGetter(std::forward<Getter>(getter)));
#else
		object_->registerProperty(name).onInterface(interface).withGetter(std::forward<Getter>(getter));
#endif
		return *this;
	}

	/// Publishes the object; it stays on the bus as long as the returned object lives.
	/// Once only: the builder is used up.
	std::unique_ptr<sdbus::IObject> finish()
	{
		usable();
#if LINGERCAM_SDBUSCPP_MAJOR >= 2
		for (auto &[interface, items] : vtables_)
			object_->addVTable(sdbus::InterfaceName(interface), std::move(items));
#else
		object_->finishRegistration();
#endif
		return std::move(object_);
	}

private:
	void usable() const
	{
		if (!object_)
			throw std::logic_error("dbus::ObjectBuilder used after finish()");
	}

#if LINGERCAM_SDBUSCPP_MAJOR >= 2
	std::vector<sdbus::VTableItem> &items(const std::string &interface)
	{
		for (auto &[name, items] : vtables_)
			if (name == interface)
				return items;
		return vtables_.emplace_back(interface, std::vector<sdbus::VTableItem>{}).second;
	}

	std::vector<std::pair<std::string, std::vector<sdbus::VTableItem>>> vtables_;
#endif
	std::unique_ptr<sdbus::IObject> object_;
};

} // namespace lingercam::common::dbus
