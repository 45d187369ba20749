#!/usr/bin/env bash
# Installs the SDK from the build tree into a temporary prefix, builds examples/strategy against
# it with find_package (a real out-of-tree consumer), then loads the result through the host and
# checks that it produces signals on the bundled sample data.
# Usage: build_and_load.sh <cmake> <build dir> <source dir> <algohost binary>
set -euo pipefail
cmake_bin=$1 build_dir=$2 source_dir=$3 algohost=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$cmake_bin" --install "$build_dir" --component sdk --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/algohost/strategy_api.h"
test -f "$work/prefix/lib/cmake/algohost_sdk/algohost_sdkConfig.cmake"
# Only the public headers are installed.
if [ -n "$(find "$work/prefix/include" -type f ! -path '*/include/algohost/*')" ]; then
  echo "unexpected installed headers:"; find "$work/prefix/include" -type f; exit 1
fi

"$cmake_bin" -S "$source_dir/examples/strategy" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
"$cmake_bin" --build "$work/build" >/dev/null

plugin_dir="$work/build/plugin"
list=$("$algohost" --plugins "$plugin_dir" plugins list --json)
echo "$list" | grep -q '"name": "donchian_breakout"'
status=$(echo "$list" | /usr/bin/python3 -c 'import json,sys; print([r["load_status"] for r in json.load(sys.stdin) if r["name"]=="donchian_breakout"][0])')
[ "$status" = loaded ] || { echo "example plugin status: $status"; exit 1; }

out=$("$algohost" --plugins "$plugin_dir" signals donchian_breakout --data "$source_dir/examples/data/sample.csv" --json)
echo "$out" | /usr/bin/python3 -c '
import json, sys
run = json.load(sys.stdin)
acts = [s["action"] for s in run["signals"]]
assert run["diagnostics"] == ["upper", "lower"], run["diagnostics"]
assert acts.count("buy") > 0 and acts.count("sell") > 0, "no breakouts found"
print("example plugin: %d bars, %d buys, %d sells" % (len(acts), acts.count("buy"), acts.count("sell")))
'
