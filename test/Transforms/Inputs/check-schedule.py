#!/usr/bin/env python3
"""check-schedule.py REPORT.json CHOSEN LATENCY INTERVAL ENERGY ARRAYS UNITS AREA [NAME=LATENCY ...]

Checks the report's `schedule` against figures computed by hand in the calling test: the
chosen alternative, its latency and throughput interval per token (ns), energy per token
(pJ), arrays, periphery units and area (mm^2), and optionally the alternatives listed, in
order, with their latency per token ('-' for one that does not fit). Figures are compared
to 1e-9 relative: they are sums and products of the description's decimal constants, so
only floating-point rounding may differ. Prints 'schedule ok' or fails naming the figure."""
import json
import math
import sys

report = json.load(open(sys.argv[1]))
schedule = report["schedule"]
expected = sys.argv[2:9]


def same(got, want, what):
    if not math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-9):
        sys.exit(f"{what}: got {got}, expected {want}")


if schedule.get("chosen") != expected[0]:
    sys.exit(f"chosen: got {schedule.get('chosen')!r}, expected {expected[0]!r}")
per_token = schedule["perToken"]
same(per_token["latencyNs"], expected[1], "latency per token")
same(per_token["intervalNs"], expected[2], "interval per token")
same(per_token["energyPJ"], expected[3], "energy per token")
same(schedule["arrays"], expected[4], "arrays")
same(schedule["peripheryUnits"], expected[5], "periphery units")
same(schedule["areaMm2"], expected[6], "area")
alternatives = sys.argv[9:]
if alternatives:
    listed = schedule["alternatives"]
    if len(listed) != len(alternatives):
        sys.exit(f"{len(listed)} alternatives listed, expected {len(alternatives)}")
    for got, want in zip(listed, alternatives):
        name, latency = want.rsplit("=", 1)
        if got["name"] != name:
            sys.exit(f"alternative: got {got['name']!r}, expected {name!r}")
        if latency == "-":
            if got["fits"] or not got.get("why"):
                sys.exit(f"{name}: expected not to fit, with the reason")
        else:
            same(got["latencyNs"], latency, f"{name} latency")
print("schedule ok")
