"""Refresh ``tests/durations.json`` (seconds per test file, which orders the suite) from a JUnit report.

    bash tests/run.sh --junitxml=/tmp/junit.xml
    python tests/durations.py /tmp/junit.xml
"""

from __future__ import annotations

import collections
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

DURATIONS = Path(__file__).with_name("durations.json")


def seconds_per_file(report: Path) -> dict[str, int]:
    """Each test file's seconds (setup, call and teardown of its tests), from a pytest ``--junitxml`` report."""
    totals: collections.Counter[str] = collections.Counter()
    for case in ET.parse(report).iter("testcase"):
        totals[case.get("classname", "").split(".")[-1] + ".py"] += float(case.get("time", 0))
    return {name: round(seconds) for name, seconds in sorted(totals.items())}


if __name__ == "__main__":
    DURATIONS.write_text(json.dumps(seconds_per_file(Path(sys.argv[1])), indent=1) + "\n")
