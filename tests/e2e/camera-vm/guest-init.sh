#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# /init of the camera VM (run by busybox sh as PID 1). Brings up just enough of
# a system for libcamera: kernel filesystems, then udev, whose database
# libcamera reads (it ignores devices udev has not initialised). Then runs
# /lingercam/test.sh, and hands everything under /out back to the host as a
# tar stream written straight onto the raw virtio disk /dev/vda. Powers off.
#
# The host reads the result from /out/vm/exit-code in that tar, or, failing
# that, from the "LINGERCAM-VM-EXIT=<rc>" line on the serial console.

export PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin
export HOME=/root LANG=C.UTF-8 TERM=dumb
export LINGERCAM_OUT=/out

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The kernel opened /dev/console before devtmpfs was there if the image had no
# node for it: take the console now either way.
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null || true
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /out
mkdir -p /out/vm /root
hostname lingercam-vm

echo "lingercam-vm: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s), uptime $(cut -d' ' -f1 /proc/uptime) s"

# udev before anything touches libcamera: it enumerates only devices udev has
# seen ("initialised"), through /run/udev/data.
/lib/systemd/systemd-udevd --daemon
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
if ! udevadm settle --timeout=60; then
  echo "lingercam-vm: udevadm settle timed out"
fi
echo "lingercam-vm: udev settled at uptime $(cut -d' ' -f1 /proc/uptime) s"

# The test, with its output both on the console and in /out/vm/test.log.
# lingercam.timeout=SECONDS on the kernel command line (run-vm.sh sets it a
# little under its own hard timeout) stops a hung test early enough that its
# partial results still reach the host: everything but PID 1 is killed.
guest_timeout=$(sed -n 's/.*lingercam\.timeout=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
watchdog=""
if [ -n "$guest_timeout" ]; then
  (
    sleep "$guest_timeout"
    echo "lingercam-vm: test script still running after $guest_timeout s: killing it"
    echo 124 >/out/vm/exit-code
    kill -KILL -1
  ) &
  watchdog=$!
fi
cd /out || exit 1
( sh /lingercam/test.sh; echo $? >/out/vm/exit-code ) 2>&1 | tee /out/vm/test.log
[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null || true
rc=$(cat /out/vm/exit-code 2>/dev/null || echo 255)
echo "lingercam-vm: test script finished rc=$rc at uptime $(cut -d' ' -f1 /proc/uptime) s"

dmesg >/out/vm/dmesg.txt 2>&1 || true
udevadm info --export-db >/out/vm/udev-db.txt 2>&1 || true

if [ -b /dev/vda ]; then
  if tar -cf /dev/vda -C /out .; then
    sync
    echo "lingercam-vm: results written to /dev/vda"
  else
    echo "lingercam-vm: writing results to /dev/vda failed (disk too small?)"
  fi
else
  echo "lingercam-vm: no /dev/vda, results stay in the guest"
fi

echo "LINGERCAM-VM-EXIT=$rc"
poweroff -f
# Without ACPI power-off the reboot ends qemu (run with -no-reboot).
sleep 2
reboot -f
