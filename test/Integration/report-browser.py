#!/usr/bin/python3
"""report-browser.py: e2e test of the HTML report in a real browser. The example's model
(examples/copy_task.onnx) is compiled with --report FILE.html and --report FILE.json; headless
Chromium (Debian's chromium, driven by python3-selenium through chromium-driver) opens the
page; the test checks that the browser logged no error, that every picture has a size on
screen, that every number the page shows (as the browser rendered its text) equals the JSON
report's (reportcheck.py: integers exactly, others to the page's six significant digits),
and saves a screenshot of the whole page under --out (and of the per-layer error section,
when the page has one). Then the same for the page that
gcim-report draws with two evaluations attached (the program's --eval --json --layer-error
on the first 16 held-out sequences, gain cells and the digital twin), whose rows must say
which is which, and whose per-layer errors (the gain-cell model's layers only) are shown as
the JSON has them, a bar per layer.
A missing browser is a failure, not a skip."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples")
sys.path.insert(0, HERE)
from codegenharness import build, compile_model  # noqa: E402
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
        attention = [c.text for c in driver.find_elements("css selector",
                                                          "#evaluations td:nth-child(2)")]
        layer_rows = [r.find_element("css selector", "td").text for r in
                      driver.find_elements("css selector", "#layer-error tr") if
                      r.find_elements("css selector", "td")]
        bars = [b for b in driver.find_elements("css selector", "#layer-error svg rect")
                if b.find_elements("css selector", "title")]
        for section in driver.find_elements("css selector", "#layer-error"):
            section.screenshot(screenshot.replace(".png", "-layer-error.png"))
        return len(pairs), attention, layer_rows, bars and all(b.size["width"] > 0 for b in bars)
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
    shown, _, _, _ = check_in_browser(check, page, report, [],
                                      os.path.join(args.out, "copy_task-report.png"))
    check.expect("the browser shows every number the XML parser finds", shown == numbers,
                 f"{shown} vs {numbers}")
    check_with_evaluations(check, args.out, report_path, report)
    return check.finish("report-browser")


def check_with_evaluations(check, out, report_path, report):
    """gcim-report with the program's --eval --json lines attached, in the browser."""
    ids = np.load(os.path.join(EXAMPLES, "copy_task_inputs.npy"))[:16]
    tokens = os.path.join(out, "copy_task_16.npy")
    np.save(tokens, ids)
    results = []
    with tempfile.TemporaryDirectory(prefix="gcim-report-eval-") as tmp:
        for kind, model, flags in (("analog", "copy_task.onnx", []),
                                   ("digital", "copy_task_digital.onnx",
                                    ["--attention=digital"])):
            folder = os.path.join(tmp, kind)
            compile_model(os.path.join(EXAMPLES, model), folder, *flags, prefix="copy_task")
            build(folder)
            line = subprocess.run([os.path.join(folder, "copy_task"), "--eval", tokens, "--json",
                                   "--layer-error"], check=True, capture_output=True,
                                  text=True).stdout
            results.append(os.path.join(out, f"eval-{kind}.json"))
            with open(results[-1], "w") as f:
                f.write(line)
    page = os.path.join(out, "copy_task-with-eval.html")
    tool = os.path.join(os.path.dirname(os.environ["GCIM_COMPILE"]), "gcim-report")
    subprocess.run([tool, report_path, "--with", results[0], "--with", results[1], "-o", page],
                   check=True)
    attached = []
    for path in results:
        with open(path) as f:
            attached.append(json.load(f))
    with open(page, encoding="utf-8") as f:
        numbers, pictures = check_page(f.read(), report, attached)
    check.expect(f"with the evaluations: well-formed XHTML with {pictures} SVG pictures, its "
                 f"{numbers} numbers equal the JSON's, every per-layer error shown", numbers > 0)
    shown, attention, layer_rows, bars = check_in_browser(
        check, page, report, attached, os.path.join(out, "copy_task-with-eval.png"))
    check.expect("the evaluations: the gain-cell run beside the digital one",
                 attention == ["gain cells", "digital"], str(attention))
    analog_layers = [layer for layer in report["layers"] if layer["mapping"] == "analog"]
    check.expect("the per-layer errors: one row per gain-cell layer of the analog run, none of "
                 "the digital twin (its \"layers\" is [])",
                 attached[1]["layers"] == [] and len(attached[0]["layers"]) == len(analog_layers)
                 and layer_rows == ["eval-analog.json"] * len(analog_layers), str(layer_rows))
    check.expect("each layer's bar has a width on screen (a relative RMS error above 0)", bars)


if __name__ == "__main__":
    sys.exit(main())
