#!/usr/bin/env bash
# The package as a pip user gets it: build the wheel from this checkout, install it (and
# nothing else of the checkout) into a fresh virtualenv, and run the command line from an
# empty folder: list (every recipe), run, reproduce, sweep, compare and report, each
# writing under runs/ there. Usage: tools/test_wheel.sh [PYTHON]
set -euo pipefail
python=${1:-python3}
checkout=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$checkout"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --no-compile "$work"/dist/keras_dl-*.whl
keras_dl="$work/venv/bin/keras-dl"

mkdir "$work/empty"
cd "$work/empty"
expected=$(find "$checkout/recipes/book" "$checkout/recipes/notes" -name '[!_]*.py' | wc -l)
"$keras_dl" list > list.txt
listed=$(grep -c '^  [a-z_]' list.txt)
cat list.txt
# every script, and each alias (mnist) on top
[ "$listed" -gt "$expected" ] || { echo "error: the wheel lists $listed recipes; expected more than $expected scripts" >&2; exit 1; }
"$keras_dl" run digits --quick
"$keras_dl" run gates
"$keras_dl" reproduce digits --seeds 2 --quick
"$keras_dl" sweep digits --grid epochs=1,2 --quick
"$keras_dl" compare runs/digits/*-quick --out runs/compare/digits.png
"$keras_dl" report
for made in runs/digits/*/metrics.json runs/gates/*/metrics.json runs/compare/digits.png runs/index.html; do
  [ -e "$made" ] || { echo "error: $made was not written" >&2; exit 1; }
done
case "$("$work/venv/bin/python" -c 'import keras_dl; print(keras_dl.__file__)')" in
  "$work"/venv/*) ;;
  *) echo "error: keras_dl was not imported from the wheel" >&2; exit 1 ;;
esac
echo "the wheel runs from an empty folder: $listed recipes listed; run, reproduce, sweep, compare, report wrote runs/"
