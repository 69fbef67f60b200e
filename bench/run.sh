#!/usr/bin/env bash
# Runs every benchmark and prints markdown to paste into BENCHMARKS.md.
# BENCH_SIZE_GIB (default 4) and BENCH_RUNS (default 3) scale the disk benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
npm run -s build
bash examples/make-sample.sh
echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores"
echo
node bench/disk.mjs
