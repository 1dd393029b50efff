"""Headless Chromium for racelab's browser tests: Debian's chromium and chromedriver, driven
through the W3C WebDriver HTTP API with nothing but Python's standard library (no selenium,
no download at test time). Used by the trace page's test (tools/explore/tests) and the
class report's (tools/labctl/tests/grading).

    with Browser() as browser:
        browser.open("/abs/path/page.html")
        browser.text("#status"); browser.press("ArrowDown"); browser.click("button.name")
        browser.console_errors()   # what the page logged at level SEVERE: must be []
        browser.screenshot("out.png")
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
    """Ends the test: one line saying what did not hold."""
    print(f"FAIL: {message}")
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One chromedriver and one headless Chromium session, in a profile of its own."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="racelab-chromium-")
        self.port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        self.session = None
        try:
            self.start()
        except BaseException:  # a failed start must not leave chromedriver running
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
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
                     "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={self.profile}"],
        }
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options,
                        # The page's console, read back by console_errors().
                        "goog:loggingPrefs": {"browser": "ALL"}}
        session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
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

    def open(self, page):
        self.do("POST", "/url", {"url": "file://" + os.path.abspath(page)})

    def element(self, css):
        return self.do("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def text(self, css):
        return self.do("GET", f"/element/{self.element(css)}/text")

    def click(self, css):
        self.do("POST", f"/element/{self.element(css)}/click", {})

    def type(self, css, text):
        self.do("POST", f"/element/{self.element(css)}/value", {"text": text})

    def press(self, *names):
        actions = []
        for name in names:
            actions += [{"type": "keyDown", "value": KEYS[name]}, {"type": "keyUp", "value": KEYS[name]}]
        self.do("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def script(self, source):
        return self.do("POST", "/execute/sync", {"script": source, "args": []})

    def console_errors(self):
        """The messages the page logged as errors since the last call (uncaught exceptions,
        failed loads, console.error)."""
        entries = self.do("POST", "/se/log", {"type": "browser"})
        return [entry["message"] for entry in entries if entry.get("level") == "SEVERE"]

    def screenshot(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as out:
            out.write(base64.b64decode(self.do("GET", "/screenshot")))
        print(f"screenshot: {os.path.abspath(path)}")

    def close(self):
        try:
            if self.session:
                self.call("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


def embedded_json(page, element_id):
    """The JSON a page embeds in <script type="application/json" id=ELEMENT_ID>, read from the
    file itself, independently of the browser: what the page shows is checked against it."""
    html = open(page, encoding="utf-8").read()
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    if not match:
        fail(f"{page} has no embedded data (#{element_id})")
    return json.loads(match.group(1))


def require_browser(what):
    """Fails (never skips) when Chromium or chromedriver is missing: a browser test that
    skips itself unseen would pass forever. tools/lab test installs them."""
    for need in ("chromium", "chromedriver"):
        if shutil.which(need) is None:
            fail(f"{what} needs {need}: apt-get install chromium chromium-driver (tools/lab test installs them)")
