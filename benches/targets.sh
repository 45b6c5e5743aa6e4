#!/usr/bin/env bash
# The recovery targets of docs/benchmarks.md, measured side by side in one run:
#   1. `doormat recover` against the independent Python decryptor (open_capture.py from
#      docs/wire-format.md: Python `cryptography`, OpenSSL inside);
#   2. `doormat recover` against the primitive-bound time: the RSA unwraps plus the
#      AES-GCM opens the capture needs, at the rates `doormat scale` measures alone;
#   3. `doormat recover` on every core against one thread.
# on 4,000 per-message-keyed messages and 100,000 per-session-keyed ones (sessions of
# 100), golden-key, opened with the escrow key.
#
# Usage: bash benches/targets.sh [RUNS]      (RUNS per figure, median taken; default 5)
# Needs python3 with `cryptography`. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
bin=$PWD/target/release/doormat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/open_capture.py" <<'PY'
import re, sys
doc = open("docs/wire-format.md").read()
block = re.search(r"<!-- worked-example: open_capture.py -->\n```python\n(.*?)```", doc, re.S)
open(sys.argv[1], "w").write(block.group(1))
PY
"$bin" simulate --out "$work/per-message" --scheme golden-key --users 6 --messages 4000 > /dev/null
"$bin" simulate --out "$work/per-session" --scheme golden-key --users 6 --messages 100000 \
    --session-size 100 > /dev/null

python3 - "$bin" "$work" "$runs" <<'PY'
import json, os, statistics, subprocess, sys, time

bin, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cores = os.cpu_count() or 1

def wall(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start

def recover(world, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    walls, inner = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([bin, "recover", "--world", world, "--key", world + "/keys/escrow.pem",
                              "--json"], check=True, capture_output=True, env=env).stdout
        walls.append(time.perf_counter() - start)
        inner.append(json.loads(out)["seconds"])
    return statistics.median(walls), statistics.median(inner)

rates = json.loads(subprocess.run([bin, "scale", "--json"], check=True,
                                  capture_output=True).stdout)["inputs"]
rsa, aes = rates["rsa_decrypts_per_core_second"], rates["aes_opens_per_core_second"]
print(f"machine: {cores} cores; {rates['rates_from']}")
print(f"primitives alone, one thread: {rsa:,.0f} RSA-2048 unwraps/s, {aes:,.0f} AES-GCM opens/s")
print()
print("| capture | python | doormat, 1 thread | doormat, %d threads | speed-up | vs python "
      "| primitive bound, %d threads | of bound |" % (cores, cores))
print("|---|---|---|---|---|---|---|---|")
for name in ["per-message", "per-session"]:
    world = f"{work}/{name}"
    lines = [json.loads(l) for l in open(world + "/capture.jsonl")]
    unwraps = sum(1 for e in lines if "escrow" in e)
    python = statistics.median(wall(["python3", f"{work}/open_capture.py", world,
                                     world + "/keys/escrow.pem"]) for _ in range(runs))
    one_wall, one = recover(world, 1)
    all_wall, every = recover(world, cores)
    bound = (unwraps / rsa + len(lines) / aes) / cores
    print(f"| {len(lines):,} {name} | {python:.2f} s | {one:.3f} s ({one_wall:.2f} s wall) "
          f"| {every:.3f} s ({all_wall:.2f} s wall) | {one / every:.2f}x "
          f"| {python / all_wall:.1f}x faster (wall) | {bound:.3f} s | {100 * bound / every:.0f}% |")
print()
print(f"medians of {runs} runs; doormat times are recover's own `seconds` (the opening, "
      "after keys load), with the whole process's wall time beside them")
PY
