#!/usr/bin/env bash
# vitnb's test suite: (1) nbdev-export leaves vitnb/ unchanged, (2) nbdev-clean leaves nbs/ unchanged,
# (3) README.md is what tools/build_readme.py makes of nbs/index.ipynb, (4) every non-Python file under vitnb/ is
# package data, (5) every notebook in nbs/ passes nbdev-test (the numbered ones first, then the others: architecture, index). Prints "N passed, M failed" (notebooks and checks) and exits non-zero
# on any failure. Extra arguments go to nbdev-test (e.g. --flags slow).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0; failures=()
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

check() {  # name, folder, command: the command must leave the folder byte-identical
  local name=$1 dir=$2; shift 2
  cp -a "$dir" "$tmp/$name"
  if "$@" >"$tmp/$name.log" 2>&1 && diff -r -q "$tmp/$name" "$dir" >"$tmp/$name.diff"; then
    echo "ok      $name: $dir/ unchanged"; passed=$((passed+1))
  else
    echo "FAILED  $name changed $dir/ (run it and commit the result):"; cat "$tmp/$name.log" "$tmp/$name.diff" | head -20
    failed=$((failed+1)); failures+=("$name")
  fi
}
check nbdev-export vitnb nbdev-export
check nbdev-clean nbs nbdev-clean
if out=$(python tools/build_readme.py --check 2>&1); then echo "ok      $out"; passed=$((passed+1))
else echo "FAILED  $out"; failed=$((failed+1)); failures+=("README.md"); fi
# Every non-Python file under vitnb/ (the CPU kernel's C++ source) must be package data, or `pip install .` drops it.
if out=$(python - <<'EOF' 2>&1
import fnmatch
from pathlib import Path
try: import tomllib
except ImportError: from pip._vendor import tomli as tomllib          # Python 3.10
pats = tomllib.load(open('pyproject.toml', 'rb'))['tool']['setuptools'].get('package-data', {}).get('vitnb', [])
files = [p.relative_to('vitnb').as_posix() for p in Path('vitnb').rglob('*')
         if p.is_file() and p.suffix not in ('.py', '.pyc') and '__pycache__' not in p.parts]
missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in pats)]
print(f"package data: {len(files)} non-Python file(s) under vitnb/" + (f", not in [tool.setuptools.package-data]: {missing}" if missing else ", all declared"))
raise SystemExit(1 if missing else 0)
EOF
); then echo "ok      $out"; passed=$((passed+1))
else echo "FAILED  $out"; failed=$((failed+1)); failures+=("package data"); fi

start=$(date +%s)
for nb in nbs/[0-9]*.ipynb nbs/[!0-9]*.ipynb; do
  [ -e "$nb" ] || continue
  t0=$(date +%s)
  if nbdev-test "$nb" "$@" >"$tmp/out.log" 2>&1; then
    echo "ok      $nb ($(( $(date +%s) - t0 )) s)"; passed=$((passed+1))
  else
    echo "FAILED  $nb ($(( $(date +%s) - t0 )) s)"; tail -40 "$tmp/out.log"; failed=$((failed+1)); failures+=("$nb")
  fi
done
echo "notebooks took $(( $(date +%s) - start )) s"
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
