#!/usr/bin/env python3
"""The trace page (labctl explore --trace FILE.html) in a real browser: Debian's Chromium,
headless, driven through chromedriver's W3C WebDriver HTTP API with nothing but the standard
library. Run by trace_viewer_test.sh, which makes the page.

    trace_viewer_test.py PAGE.html SCREENSHOT.png

Loads the page, steps with the keyboard (ArrowDown x3, ArrowUp x1, then End) and checks
what is shown against the data embedded in the page itself: the status line, the
highlighted row's words, the number of rows, the flagged points, the replay command and
its copy button.
Keeps a screenshot of the end of the run. Exit 0 when every check holds, 1 otherwise.
"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
KEYS = {"ArrowDown": "\ue015", "ArrowUp": "\ue013", "End": "\ue010", "Home": "\ue011"}


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One chromedriver and one headless Chromium session."""

    def __init__(self, profile):
        self.port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        try:
            self.start(profile)
        except BaseException:  # a failed start must not leave chromedriver running
            self.driver.terminate()
            raise

    def start(self, profile):
        deadline = time.monotonic() + 30
        while True:  # chromedriver answers /status once it listens
            try:
                if self.call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                fail("chromedriver did not start within 30 s")
            time.sleep(0.2)
        options = {
            "binary": "/usr/bin/chromium",
            # No sandbox: Chromium refuses to run as root with one. The rest keeps a test
            # browser from reaching for the network (the machine may have none).
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={profile}"],
        }
        session = self.call("POST", "/session",
                            {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = f"/session/{session['sessionId']}"

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as error:  # WebDriver errors come as JSON bodies
            detail = json.load(error).get("value", {})
            fail(f"WebDriver {method} {path}: {detail.get('error')}: {str(detail.get('message'))[:300]}")

    def do(self, method, path, body=None):
        return self.call(method, self.session + path, body)

    def element(self, css):
        return self.do("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def text(self, css):
        return self.do("GET", f"/element/{self.element(css)}/text")

    def press(self, *names):
        actions = []
        for name in names:
            actions += [{"type": "keyDown", "value": KEYS[name]}, {"type": "keyUp", "value": KEYS[name]}]
        self.do("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def script(self, source):
        return self.do("POST", "/execute/sync", {"script": source, "args": []})

    def close(self):
        try:
            self.call("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)


def embedded_data(page):
    """The trace as the page embeds it, read from the file, independently of the browser."""
    html = open(page, encoding="utf-8").read()
    match = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', html, re.S)
    if not match:
        fail(f"{page} has no embedded trace data")
    return json.loads(match.group(1))


def main():
    page, screenshot = os.path.abspath(sys.argv[1]), sys.argv[2]
    data = embedded_data(page)
    rows = data["rows"]
    if len(rows) < 4:
        fail(f"the trace has {len(rows)} rows: too few to step through")
    profile = tempfile.mkdtemp(prefix="racelab-chromium-")
    browser = None
    try:
        browser = Browser(profile)
        browser.do("POST", "/url", {"url": "file://" + page})

        # What loading shows: every row, the first one current.
        shown = browser.script("return document.querySelectorAll('#rows tr').length")
        if shown != len(rows):
            fail(f"the page shows {shown} rows, its data has {len(rows)}")
        status = browser.text("#status")
        if status != f"step 1 of {len(rows)}":
            fail(f"on load the status line says {status!r}")
        heads = browser.text("#heads")
        if "T0 (main)" not in heads or "T1" not in heads:
            fail(f"the thread columns are {heads!r}")

        # Three down, one up: the third row.
        browser.press("ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp")
        status = browser.text("#status")
        if status != f"step 3 of {len(rows)}":
            fail(f"after ArrowDown x3 and ArrowUp the status line says {status!r}, not 'step 3 of {len(rows)}'")
        current = browser.text("tr.current")
        # (the step cell may begin with the flag drawn before it)
        if rows[2]["words"] not in current or not re.match(rf"\W*{rows[2]['step']}\b", current):
            fail(f"the highlighted row shows {current!r}; the third point is step {rows[2]['step']}: "
                 f"{rows[2]['words']!r}")
        print(f"after 3 down, 1 up: {status}: {current!r}")

        # End: the deadlock that ended the run, flagged as mattering to the failure.
        browser.press("End")
        status = browser.text("#status")
        if status != f"step {len(rows)} of {len(rows)}":
            fail(f"after End the status line says {status!r}")
        current = browser.text("tr.current")
        if "stuck: waits for" not in current:
            fail(f"the last row shows {current!r}, not the deadlock")
        if not browser.script("return document.querySelector('tr.current').classList.contains('key')"):
            fail("the deadlock row is not flagged as mattering to the failure")
        flagged = browser.script("return document.querySelectorAll('tr.key').length")
        if flagged != sum(1 for row in rows if row["key"]):
            fail(f"{flagged} rows flagged in the page, {sum(1 for row in rows if row['key'])} in its data")
        if not any(re.search(r"asks for mutex m\d+ \(held by T\d\)", row["words"]) for row in rows):
            fail("no point says which thread holds the mutex asked for")
        if not any(re.search(r"lock_order\.cpp:\d+", row["where"]) for row in rows):
            fail("no point names a line of lock_order.cpp")
        replay = browser.do("GET", f"/element/{browser.element('#replay')}/property/value")
        if not replay.startswith("tools/lab explore --replay racelab-schedule:v1:") or replay != data["replay"]:
            fail(f"the replay field holds {replay!r}")
        print(f"after End: {status}: {current!r}")

        # The copy button answers (what lands in a headless clipboard is not checked).
        browser.do("POST", f"/element/{browser.element('#copy')}/click", {})
        deadline = time.monotonic() + 5
        while browser.text("#copied") != "copied":
            if time.monotonic() > deadline:
                fail("the copy button did not say 'copied' within 5 s")
            time.sleep(0.1)

        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        with open(screenshot, "wb") as out:
            out.write(base64.b64decode(browser.do("GET", "/screenshot")))
        print(f"screenshot: {os.path.abspath(screenshot)}")
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    print("trace viewer: every check passed")


if __name__ == "__main__":
    main()
