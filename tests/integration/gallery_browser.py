#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Loads a mirror's gallery in Debian's headless Chromium, driven through chromedriver
(WebDriver over HTTP, standard library only), and checks what a person would see: the newest
frame shown, the thumbnails loaded, the day links, and a gap in the coverage strip. Takes a
screenshot of each page.

    gallery_browser.py MIRROR DAY EXPECTED MISSING SHOTS_DIR

DAY is the UTC day with the gap ("2026-11-23"); EXPECTED and MISSING are the strip's cells
that must be there and missing. Prints one line per check; exits 1 if any fails, 2 if the
browser cannot be started.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="lingercam-chromium-")
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        # As the machine notes say: headless, no sandbox as root, and nothing that reaches
        # for the network (this machine's is closed).
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--allow-file-access-from-files", "--window-size=1280,1400", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome",
                                                 "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}").get("value")

    def open(self, url):
        self.call("POST", f"/session/{self.session}/url", {"url": url})
        # Lazy images load as they come near the view: scroll through the page, then wait
        # until every image settled.
        height = self.js("return document.body.scrollHeight;") or 0
        for y in range(0, height + 700, 700):
            self.js(f"window.scrollTo(0, {y});")
            time.sleep(0.05)
        self.js("window.scrollTo(0, 0);")
        for _ in range(100):
            if self.js("return [...document.images].every(i => i.complete);"):
                return
            time.sleep(0.1)

    def js(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": []})

    def screenshot(self, path):
        png = self.call("GET", f"/session/{self.session}/screenshot")
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.driver.terminate()
            self.driver.wait()


FAILED = []


def check(what, ok, detail=""):
    print(("PASS: " if ok else "FAIL: ") + what + (f" ({detail})" if detail else ""))
    if not ok:
        FAILED.append(what)


def strip_state(b):
    return b.js("""const cells = [...document.querySelectorAll('.strip i')];
        return {cells: cells.length, missing: cells.filter(c => c.className === 'm').length,
                present: cells.filter(c => c.className === 'p').length,
                missingWidth: cells.filter(c => c.className === 'm').reduce((w, c) => w + c.getBoundingClientRect().width, 0),
                red: cells.length && getComputedStyle(cells.find(c => c.className === 'm') || cells[0]).backgroundColor,
                count: (document.querySelector('.count') || {}).textContent || ''};""")


def main():
    mirror, day, expected, missing, shots = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            print(f"gallery_browser: {tool} is missing (scripts/install-deps.sh installs chromium and chromium-driver)")
            return 2
    os.makedirs(shots, exist_ok=True)
    b = Browser()
    try:
        b.open("file://" + os.path.join(mirror, "index.html"))
        newest = b.js("""const i = document.querySelector('img.newest');
            return i && {w: i.naturalWidth, src: i.getAttribute('src'), shown: i.getBoundingClientRect().width};""")
        check("index.html shows the newest frame", bool(newest) and newest["w"] > 0 and newest["shown"] > 200,
              json.dumps(newest))
        latest = os.path.realpath(os.path.join(mirror, "latest.jpg"))
        check("... and it is the frame latest.jpg points at",
              bool(newest) and os.path.realpath(os.path.join(mirror, newest["src"])) == latest, latest)
        taken = b.js("return document.querySelector('time.taken').textContent + ' / ' + "
                     "document.querySelector('.age').textContent;")
        check("... with its local time and its age", " ago" in (taken or ""), taken)
        days = b.js("return [...document.querySelectorAll('.days a')].map(a => a.getAttribute('href'));")
        check("index.html links the days", f"gallery/{day}.html" in (days or []), json.dumps(days))
        today = strip_state(b)
        check("index.html has today's strip, red so far: no frame today",
              today["cells"] > 0 and today["present"] == 0 and today["missing"] > 0, json.dumps(today))
        b.screenshot(os.path.join(shots, "index.png"))

        b.open("file://" + os.path.join(mirror, "gallery", day + ".html"))
        s = strip_state(b)
        check(f"the day's strip has a cell per slot ({expected})", s["cells"] == expected, json.dumps(s))
        check(f"... {missing} of them missing, drawn", s["missing"] == missing and s["missingWidth"] > 20,
              json.dumps(s))
        check("... in red", s["red"] == "rgb(221, 51, 51)", s["red"])
        check("... and the count says so", f"{expected - missing:,} of {expected:,}" in s["count"], s["count"])
        gaps = b.js("return [...document.querySelectorAll('.gaps li')].map(l => l.textContent);")
        check("the gap is listed with its times", bool(gaps) and f"{missing} frames" in gaps[0], json.dumps(gaps))
        captions = b.js("""return [...document.querySelectorAll('.thumbs a')].map(a =>
            [a.querySelector('span').textContent, a.querySelector('img').title]);""")
        check("each thumbnail says its local time",
              bool(captions) and all(len(c) == 5 and c in title for c, title in captions), json.dumps(captions[:2]))
        thumbs = b.js("""const t = [...document.querySelectorAll('.thumbs img')];
            return {n: t.length, loaded: t.filter(i => i.naturalWidth > 0).length,
                    small: t.filter(i => i.getAttribute('src').startsWith('thumbs/')).length};""")
        check("every thumbnail loads, from the thumbnail cache",
              thumbs["n"] == expected - missing and thumbs["loaded"] == thumbs["n"] and thumbs["small"] == thumbs["n"],
              json.dumps(thumbs))
        back = b.js("return document.querySelector('a[href=\"../index.html\"]') !== null;")
        check("the day page links back to the index", back)
        b.screenshot(os.path.join(shots, day + ".png"))
    finally:
        b.close()
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
