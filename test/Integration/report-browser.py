#!/usr/bin/python3
"""report-browser.py: e2e test of the HTML report in a real browser. The example's model
(examples/copy_task.onnx) is compiled with --report FILE.html and --report FILE.json; headless
Chromium (Debian's chromium, driven by python3-selenium through chromium-driver) opens the
page; the test checks that the browser logged no error, that every picture has a size on
screen, that every number the page shows (as the browser rendered its text) equals the JSON
report's (reportcheck.py: integers exactly, others to the page's six significant digits),
and saves a screenshot of the whole page under --out. A missing browser is a failure, not a
skip."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples")
sys.path.insert(0, HERE)
from ortharness import Checker  # noqa: E402
from reportcheck import check_numbers, check_page  # noqa: E402

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def open_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1200,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def check_in_browser(check, page, report, results, screenshot):
    driver = open_browser()
    try:
        driver.get("file://" + os.path.abspath(page))
        check.expect("the browser shows the page's title", driver.title != "", driver.title)
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        check.expect("no error in the browser's console", not errors, str(errors))
        # Folded tables (<details>) render no text until opened.
        driver.execute_script("document.querySelectorAll('details').forEach("
                              "function (d) { d.open = true; });")
        pictures = driver.find_elements("css selector", "svg")
        flat = [p for p in pictures if p.size["width"] == 0 or p.size["height"] == 0]
        check.expect(f"all {len(pictures)} SVG pictures have a size on screen", pictures and
                     not flat)
        cells = driver.find_elements("css selector", "[data-json]")
        pairs = [(c.get_attribute("data-json"), c.text.strip()) for c in cells]
        wrong = check_numbers(pairs, report, results)
        check.expect(f"the {len(pairs)} numbers Chromium shows equal the JSON report's "
                     "(integers exactly, others to 6 significant digits)", pairs and not wrong,
                     "; ".join(wrong[:5]))
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, height + 100)
        driver.save_screenshot(screenshot)
        check.expect("the screenshot is saved", os.path.getsize(screenshot) > 10000, screenshot)
        return len(pairs)
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="folder for the pages and the screenshot")
    args = parser.parse_args()
    check = Checker(0)
    compiler = os.environ.get("GCIM_COMPILE", "gcim-compile")
    os.makedirs(args.out, exist_ok=True)
    model = os.path.join(EXAMPLES, "copy_task.onnx")
    page, report_path = (os.path.join(args.out, f"copy_task.{ext}") for ext in ("html", "json"))
    with tempfile.TemporaryDirectory(prefix="gcim-report-") as tmp:
        for report in (page, report_path):
            subprocess.run([compiler, model, "-o", os.path.join(tmp, "out"), "-q",
                            "--report", report], check=True)
    with open(report_path) as f:
        report = json.load(f)
    with open(page, encoding="utf-8") as f:
        numbers, pictures = check_page(f.read(), report)
    check.expect(f"the page is well-formed XHTML with {pictures} SVG pictures and its "
                 f"{numbers} numbers equal the JSON report's", numbers > 0)
    for tool in (CHROMIUM, CHROMEDRIVER):
        check.expect(f"{tool} is installed (utils/install-deps.sh)", os.path.exists(tool))
    try:
        import selenium  # noqa: F401
    except ImportError:
        check.expect("python3-selenium is installed (utils/install-deps.sh)", False)
        return check.finish("report-browser")
    shown = check_in_browser(check, page, report, [],
                             os.path.join(args.out, "copy_task-report.png"))
    check.expect("the browser shows every number the XML parser finds", shown == numbers,
                 f"{shown} vs {numbers}")
    return check.finish("report-browser")


if __name__ == "__main__":
    sys.exit(main())
