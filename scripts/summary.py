#!/usr/bin/env python3
"""summary.py - sum up a meson test run from build/meson-logs/testlog.json.

Prints the libcheck case totals found in the test logs ("Checks: N,
Failures: F, Errors: E" lines), then, alone on the last line,
"N passed, N failed, N skipped".  Exit status 1 if a test failed, 2 if the
log is missing or unreadable.

usage: summary.py [build/meson-logs/testlog.json]
"""

import json
import re
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}
# anything else (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, INTERRUPT) is a failure

CHECK_LINE = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "build/meson-logs/testlog.json"
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            records = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        print(f"summary.py: cannot read {path}: {e}", file=sys.stderr)
        return 2

    passed = failed = skipped = 0
    checks = failures = errors = programs = 0
    for r in records:
        result = r.get("result", "")
        if result in PASSED:
            passed += 1
        elif result in SKIPPED:
            skipped += 1
        else:
            failed += 1
        found = False
        for stream in ("stdout", "stderr"):
            for m in CHECK_LINE.finditer(r.get(stream) or ""):
                checks += int(m.group(1))
                failures += int(m.group(2))
                errors += int(m.group(3))
                found = True
        programs += found

    print(f"check test cases: Checks: {checks}, Failures: {failures}, Errors: {errors}"
          f" (from {programs} test program{'' if programs == 1 else 's'})")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
