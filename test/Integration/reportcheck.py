#!/usr/bin/python3
"""reportcheck.py: checks an HTML report against the JSON it was made from.

The page must be well-formed XHTML (Python's XML parser) with inline SVG, have every
section, draw one square per sub-tile of the report, show every number of the hardware
description and of the attached evaluations' per-layer errors ("layers"), and every number
it shows (the elements carrying data-json="PATH") must equal the JSON value at PATH:
integers exactly, other numbers to the six significant digits the page prints (a relative difference of at most 5e-6). Paths "with[i]...." name the i-th
attached result. Used by the lit tests (file in, verdict out) and by the browser test
(numbers as Chromium rendered them)."""
import argparse
import json
import math
import re
import sys
import xml.etree.ElementTree as ET

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
SECTIONS = ("summary", "mapping", "energy", "timeline", "run", "gpu", "hardware", "warnings")
# %.6g keeps six significant digits: the rounding error is at most half a unit of the
# sixth, 5e-6 of the value; 1e-12 absorbs the binary representation of the printed value.
RELATIVE = 5e-6


def lookup(root, path):
    """The value at a data-json path ("layers[0].energy_pj.dac"), KeyError if absent."""
    value = root
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        value = value[int(index)] if index else value[key]
    return value


def source(path, report, results):
    match = re.match(r"with\[(\d+)\]\.(.*)", path)
    if match:
        return lookup(results[int(match.group(1))], match.group(2))
    return lookup(report, path)


def equal(shown, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        number = float(shown)
    except ValueError:
        return False
    if float(value).is_integer() and abs(value) < 1e15:
        return number == value
    return math.isclose(number, value, rel_tol=RELATIVE, abs_tol=1e-12)


def check_numbers(pairs, report, results):
    """Mismatches among (path, shown text) pairs, as messages."""
    wrong = []
    for path, shown in pairs:
        try:
            value = source(path, report, results)
        except (KeyError, IndexError, TypeError):
            wrong.append(f"{path}: shown {shown!r}, not in the JSON")
            continue
        if not equal(shown, value):
            wrong.append(f"{path}: shown {shown!r}, JSON {value!r}")
    return wrong


def hardware_numbers(value, path="hardware"):
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in hardware_numbers(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in hardware_numbers(v, f"{path}[{i}]")]
    return [path] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def layer_error_numbers(results):
    """The data-json paths of every number of the attached evaluations' per-layer errors."""
    return [f"with[{i}].layers[{l}].{key}"
            for i, result in enumerate(results) if isinstance(result, dict) and "eval" in result
            for l, layer in enumerate(result.get("layers") or [])
            for key, value in layer.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)]


def check_page(text, report, results=()):
    """Checks the page's text; returns (numbers checked, SVG pictures) or raises
    AssertionError with every problem found."""
    root = ET.fromstring(text)
    assert root.tag == XHTML + "html", f"root element {root.tag}, not XHTML's html"
    ids = {e.get("id") for e in root.iter(XHTML + "section")}
    problems = [f"no section '{s}'" for s in SECTIONS if s not in ids]
    pairs = [(e.get("data-json"), "".join(e.itertext()).strip())
             for e in root.iter() if e.get("data-json")]
    problems += check_numbers(pairs, report, list(results))
    shown = {path for path, _ in pairs}
    problems += [f"hardware number {p} not shown" for p in hardware_numbers(report["hardware"])
                 if p not in shown]
    problems += [f"layer error {p} not shown" for p in layer_error_numbers(results)
                 if p not in shown]
    pictures = list(root.iter(SVG + "svg"))
    mapping = [s for s in root.iter(XHTML + "section") if s.get("id") == "mapping"][0]
    squares = sum(1 for r in mapping.iter(SVG + "rect") if r.find(SVG + "title") is not None)
    if squares != report["sub_tiles"]:
        problems.append(f"{squares} sub-tile squares drawn, the report has {report['sub_tiles']}")
    assert not problems, "\n".join(problems)
    return len(pairs), len(pictures)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("page")
    parser.add_argument("report")
    parser.add_argument("--with", dest="results", action="append", default=[])
    args = parser.parse_args()
    with open(args.report) as f:
        report = json.load(f)
    results = []
    for path in args.results:
        with open(path) as f:
            results.append(json.load(f))
    with open(args.page, encoding="utf-8") as f:
        text = f.read()
    try:
        numbers, pictures = check_page(text, report, results)
    except (AssertionError, ET.ParseError) as error:
        print(f"reportcheck: {args.page}: {error}", file=sys.stderr)
        return 1
    print(f"reportcheck: ok: {numbers} numbers equal to the JSON, {pictures} SVG pictures, "
          f"{report['sub_tiles']} sub-tiles drawn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
