#!/usr/bin/env python3
"""The class report (labctl grade --format html) in a real browser: Debian's Chromium,
headless (tools/webdriver/webdriver.py). Run by grade_test.sh on the report it merged from
the shards of its batch.

    class_report_test.py REPORT.html SCREENSHOT.png

Checks what the page shows against the grades embedded in it, computed here independently:
the summary line, each lab's histogram (a bar per number of points, with its count) and
each criterion's pass count, one table row per submission; a click on a name opens that
submission's details with its first failed criterion's reason, a second click closes them;
the filter shows only matching names; the student's quoted code made no markup (the page's
own two scripts, no image); and the browser's console holds no error. Keeps a screenshot
with one submission's details open. Exit 0 when every check holds, 1 otherwise.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "webdriver"))
from webdriver import Browser, embedded_json, fail, require_browser  # noqa: E402  (tools/webdriver/webdriver.py)


def lab_of(submission, number):
    return next((lab for lab in submission["labs"] if lab["lab"] == number), None)


def main():
    page, screenshot = os.path.abspath(sys.argv[1]), sys.argv[2]
    data = embedded_json(page, "report-data")
    submissions = data["submissions"]
    if len(submissions) < 3 or not data["labs"]:
        fail(f"the report has {len(submissions)} submissions and {len(data['labs'])} labs: too few to check")
    require_browser("the class report's browser test")
    with Browser() as browser:
        browser.open(page)

        summary = browser.text("#summary")
        if not summary.startswith(f"{len(submissions)} submissions; mean "):
            fail(f"the summary says {summary!r} for {len(submissions)} submissions")

        # Each lab: the histogram's bars and the criteria's pass counts, as computed here.
        for lab in data["labs"]:
            counts = [0] * (lab["max"] + 1)
            for submission in submissions:
                graded = lab_of(submission, lab["number"])
                if graded:
                    counts[graded["points"]] += 1
            shown = browser.script(
                f"return [...document.querySelectorAll('.lab[data-lab=\"{lab['number']}\"] .bar')]"
                ".map((bar) => Number(bar.dataset.count))")
            if shown != counts:
                fail(f"lab {lab['number']}'s histogram shows {shown}, the grades give {counts}")
            heights = browser.script(
                f"return [...document.querySelectorAll('.lab[data-lab=\"{lab['number']}\"] .bar')]"
                ".map((bar) => bar.getBoundingClientRect().height)")
            tallest = counts.index(max(counts))
            if heights[tallest] < max(heights) or heights[tallest] < 50:
                fail(f"lab {lab['number']}'s tallest bar is not the most common score: heights {heights}")
            for criterion in lab["criteria"]:
                results = [c for s in submissions for c in (lab_of(s, lab["number"]) or {"criteria": []})["criteria"]
                           if c["criterion"] == criterion["name"]]
                passed = sum(1 for c in results if c["status"] == "passed")
                text = browser.text(f".lab[data-lab=\"{lab['number']}\"] .criterion[data-criterion="
                                    f"\"{criterion['name']}\"] .passed")
                if text != f"{passed} of {len(results)}":
                    fail(f"lab {lab['number']} {criterion['title']}: the page says {text!r}, "
                         f"the grades give {passed} of {len(results)}")
        print(f"{len(data['labs'])} lab(s): histograms and pass counts as the grades give them")

        rows = browser.script("return document.querySelectorAll('#rows tr.submission').length")
        if rows != len(submissions):
            fail(f"the table has {rows} rows for {len(submissions)} submissions")

        # One click opens a submission's details; a second closes them.
        short = next((s for s in submissions
                      if any(c["status"] == "failed" and c["reason"] for lab in s["labs"] for c in lab["criteria"])),
                     None)
        if short is None:
            fail("no submission in the report failed a criterion with a reason")
        index = submissions.index(short)
        reason = next(c["reason"] for lab in short["labs"] for c in lab["criteria"]
                      if c["status"] == "failed" and c["reason"])
        name_button = f"#rows tr.submission:nth-of-type({2 * index + 1}) button.name"
        details = f"#rows tr.details:nth-of-type({2 * index + 2})"
        if browser.text(name_button) != short["name"]:
            fail(f"row {index + 1} is {browser.text(name_button)!r}, not {short['name']!r}")
        browser.click(name_button)
        opened = browser.text(details)
        if reason not in opened:
            fail(f"{short['name']}'s details show {opened[:300]!r}, without {reason!r}")
        print(f"click on {short['name']}: {reason}")
        browser.click(name_button)
        if browser.text(details) != "":
            fail(f"a second click left {short['name']}'s details open")

        # The filter: only the matching names are shown.
        browser.type("#filter", short["name"])
        matching = sum(1 for s in submissions if short["name"].lower() in s["name"].lower())
        shown = browser.text("#shown")
        if shown != f"{matching} of {len(submissions)} shown":
            fail(f"filtering by {short['name']!r} says {shown!r}, expected {matching} of {len(submissions)}")
        visible = browser.script("return [...document.querySelectorAll('#rows tr.submission')]"
                                 ".filter((tr) => !tr.hidden).length")
        if visible != matching:
            fail(f"filtering by {short['name']!r} leaves {visible} rows, expected {matching}")

        # Quoted code is text: the page has only its own scripts, and no image anywhere.
        scripts, images = browser.script("return [document.scripts.length, document.images.length]")
        if scripts != 2 or images != 0:
            fail(f"the page has {scripts} scripts and {images} images: a student's text became markup")

        errors = browser.console_errors()
        if errors:
            fail(f"the page logged errors: {errors[:3]}")
        browser.click(name_button)
        browser.screenshot(screenshot)
    print("class report: every check passed")


if __name__ == "__main__":
    main()
