#!/usr/bin/env bash
# Installs the SDK from the build tree into a temporary prefix, builds examples/strategy and
# examples/enhancer against it with find_package (real out-of-tree consumers), then loads them
# through the host: the strategy must produce signals on the bundled sample data, the enhancer
# must judge a MEM run's signals.
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

# The example enhancer (examples/enhancer), built the same way with algohost_add_enhancer, then
# used in a MEM run of a built-in strategy: it is called, vetoes entries on thin volume, learns
# the base arm's outcomes, and its state is saved in the catalog.
"$cmake_bin" -S "$source_dir/examples/enhancer" -B "$work/build-enhancer" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
"$cmake_bin" --build "$work/build-enhancer" >/dev/null
enhancer_dir="$work/build-enhancer/plugin"
kind=$("$algohost" --plugins "$enhancer_dir" plugins list --json | /usr/bin/python3 -c '
import json, sys
print([(r["kind"], r["load_status"]) for r in json.load(sys.stdin) if r["name"] == "volume_confirm"])')
[ "$kind" = "[('enhancer', 'loaded')]" ] || { echo "example enhancer: $kind"; exit 1; }
ALGOHOST_HOME="$work/home" "$algohost" --plugins "$enhancer_dir" run --strategy rsi --enhancer volume_confirm \
  --enhancer-param min_volume_ratio=1.0 --data "$source_dir/examples/data/sample.csv" --json | /usr/bin/python3 -c '
import json, sys
mem = json.load(sys.stdin)["strategies"][0]["mem"]
p = mem["plugin"]
assert mem["enhancer"] == "volume_confirm@1.0.0", mem["enhancer"]
assert p["calls"] > 0 and p["vetoed"] > 0 and p["failed_calls"] == 0, p
assert p["learned_total"] > 0 and mem["state_saved_to"] == "catalog (enhancer_states)", mem
print("example enhancer: %d calls, %d vetoed, %d outcomes learned" % (p["calls"], p["vetoed"], p["learned_total"]))
'
