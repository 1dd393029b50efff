#!/usr/bin/env python3
"""The trace page (labctl explore --trace FILE.html) in a real browser: Debian's Chromium,
headless, driven through chromedriver (tools/webdriver/webdriver.py). Run by
trace_viewer_test.sh, which makes the page.

    trace_viewer_test.py PAGE.html SCREENSHOT.png

Loads the page, steps with the keyboard (ArrowDown x3, ArrowUp x1, then End) and checks
what is shown against the data embedded in the page itself: the status line, the
highlighted row's words, the number of rows, the flagged points, the replay command and
its copy button; and that the browser's console holds no error. Keeps a screenshot of the
end of the run. Exit 0 when every check holds, 1 otherwise.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "webdriver"))
from webdriver import Browser, embedded_json, fail, require_browser  # noqa: E402  (tools/webdriver/webdriver.py)


def main():
    page, screenshot = os.path.abspath(sys.argv[1]), sys.argv[2]
    data = embedded_json(page, "trace-data")
    rows = data["rows"]
    if len(rows) < 4:
        fail(f"the trace has {len(rows)} rows: too few to step through")
    require_browser("the trace page's browser test")
    with Browser() as browser:
        browser.open(page)

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
        # The mutexes by their names in lock_order.cpp (a_mutex, b_mutex), not by address.
        if not any(re.search(r"asks for mutex [ab]_mutex \(held by T\d\)", row["words"]) for row in rows):
            fail("no point names the mutex asked for (a_mutex, b_mutex) and the thread that holds it")
        if not any(re.search(r"lock_order\.cpp:\d+", row["where"]) for row in rows):
            fail("no point names a line of lock_order.cpp")
        replay = browser.do("GET", f"/element/{browser.element('#replay')}/property/value")
        if not replay.startswith("tools/lab explore --replay racelab-schedule:v1:") or replay != data["replay"]:
            fail(f"the replay field holds {replay!r}")
        print(f"after End: {status}: {current!r}")

        # The copy button answers (what lands in a headless clipboard is not checked).
        browser.click("#copy")
        deadline = time.monotonic() + 5
        while browser.text("#copied") != "copied":
            if time.monotonic() > deadline:
                fail("the copy button did not say 'copied' within 5 s")
            time.sleep(0.1)

        errors = browser.console_errors()
        if errors:
            fail(f"the page logged errors: {errors[:3]}")
        browser.screenshot(screenshot)
    print("trace viewer: every check passed")


if __name__ == "__main__":
    main()
