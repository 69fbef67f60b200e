#!/usr/bin/env bash
# Runs every benchmark (`npm run bench`) and prints markdown for BENCHMARKS.md on stdout; progress
# goes to stderr. A copy of the markdown is kept in bench/.work/results-<time>.md.
# BENCH_SIZE_GIB (default 4) sizes the disk benchmark's images; BENCH_RUNS (default 3) is the
# number of runs of guestguard and qemu-img; BENCH_LIBGUESTFS_RUNS (default 1; 0 skips libguestfs)
# the number of runs of each libguestfs command (each boots an appliance under TCG).
# Needs root: debootstrap and the XFS image's loop mount.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
bash bench/ensure-tools.sh
npm run -s build
bash examples/make-sample.sh
mkdir -p bench/.work
out="bench/.work/results-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- command: \`BENCH_SIZE_GIB=${BENCH_SIZE_GIB:-4} BENCH_RUNS=${BENCH_RUNS:-3} BENCH_LIBGUESTFS_RUNS=${BENCH_LIBGUESTFS_RUNS:-1} npm run bench\`"
  echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share this machine; both sides of every comparison ran in this same run)"
  echo "- node $(node --version), $(qemu-img --version | head -1), libguestfs $(dpkg-query -W -f='${Version}' libguestfs0 2>/dev/null || echo '?') (LIBGUESTFS_BACKEND=direct, force_tcg)"
  echo
  node bench/disk.mjs
  node bench/fs.mjs
  echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
echo "results saved in $out" >&2
