#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Command 2 of README.md (and CI): install, build, run every test suite, then again under
# AddressSanitizer and UndefinedBehaviorSanitizer. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

# the official FHIR R4 JSON schema, for the export cross-check
if [ -f tests/node/package.json ]; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null ||
    { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

suites=(--suite unit --suite integration --suite resources --suite ui)
status=0

run_build() {   # dir, meson options…
  local dir=$1; shift
  if [ ! -d "$dir" ]; then
    meson setup "$dir" "$@" || return 1
  fi
  ninja -C "$dir" || return 1
  meson test -C "$dir" --print-errorlogs --num-processes 2 \
    --timeout-multiplier "${TIMEOUT_MULTIPLIER:-1}" "${suites[@]}"
}

run_build build || status=1
# ASan + UBSan: the whole suite again; leaks are reported (GLib's own one-time allocations
# are suppressed in tests/lsan.supp)
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# several times slower: the timeouts stretch with it (they catch hangs, not slowness)
TIMEOUT_MULTIPLIER=3 run_build build-sanitize -Db_sanitize=address,undefined -Db_lundef=false || status=1
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

/usr/bin/python3 - build build-sanitize <<'PY'
import json, os, sys
passed = failed = skipped = 0
for d in sys.argv[1:]:
    path = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        failed += 1
        print(f"{d}: no test log (build failed)")
        continue
    for line in open(path):
        r = json.loads(line)
        res = r.get("result")
        if res is None:
            continue
        if res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {d}: {r['name']} ({res})")
if skipped:
    print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
summary=$?
[ $summary -eq 0 ] && [ $status -eq 0 ] || exit 1
