#!/usr/bin/env bash
# Runs the benchmarks and prints markdown for BENCHMARKS.md on stdout; progress goes to stderr.
#   npm run bench                 every part: disk, fs, inspect, profile, sandbox, jobs
#   npm run bench -- fs inspect   only the parts named
# Each part's markdown is also kept in bench/.work/<part>-<time>.md.
# BENCH_SIZE_GIB (default 4) sizes the disk benchmark's images; BENCH_RUNS (default 3) is the
# number of runs of guestguard and qemu-img; BENCH_LIBGUESTFS_RUNS (default 1; 0 skips libguestfs)
# the number of runs of each libguestfs command (each boots an appliance under TCG). BENCH_FS
# (e.g. ext4,xfs) limits the fs part to some filesystems, BENCH_INSPECT_GUESTS (e.g. 3) the inspect part to some guests; BENCH_VIRT_LS=0 skips virt-ls there
# (one appliance call per file: 10-45 minutes per image on this machine).
# Needs root: debootstrap and the loop mounts that build the XFS and btrfs images.
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[[ ${#parts[@]} -eq 0 ]] && parts=(disk fs inspect profile sandbox jobs)
for p in "${parts[@]}"; do
  case "$p" in
    disk | fs | inspect | profile | sandbox | jobs) ;;
    *) echo "bench: unknown part '$p' (parts: disk, fs, inspect, profile, sandbox, jobs)" >&2; exit 2 ;;
  esac
done
bash scripts/ensure-tools.sh
bash bench/ensure-tools.sh
npm run -s build
mkdir -p bench/.work
# Benchmark a snapshot of this build: other work in the same tree may rebuild dist/ mid-run.
rm -rf bench/.work/snapshot
mkdir -p bench/.work/snapshot/bin
cp -r dist bench/.work/snapshot/dist
cp bin/guestguard bench/.work/snapshot/bin/guestguard
export BENCH_GG="$PWD/bench/.work/snapshot/bin/guestguard"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
args=""
[[ $# -gt 0 ]] && args=" -- ${parts[*]}"
echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- command: \`BENCH_SIZE_GIB=${BENCH_SIZE_GIB:-4} BENCH_RUNS=${BENCH_RUNS:-3} BENCH_LIBGUESTFS_RUNS=${BENCH_LIBGUESTFS_RUNS:-1}${BENCH_FS:+ BENCH_FS=$BENCH_FS}${BENCH_VIRT_LS:+ BENCH_VIRT_LS=$BENCH_VIRT_LS}${BENCH_INSPECT_GUESTS:+ BENCH_INSPECT_GUESTS=$BENCH_INSPECT_GUESTS} npm run bench$args\`"
echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share this machine; both sides of every comparison ran in this same run)"
echo "- node $(node --version), $(qemu-img --version | head -1), libguestfs $(dpkg-query -W -f='${Version}' libguestfs0 2>/dev/null || echo '?') (LIBGUESTFS_BACKEND=direct, force_tcg)"
echo
for p in "${parts[@]}"; do
  [[ "$p" == disk ]] && bash examples/make-sample.sh
  node "bench/$p.mjs" | tee "bench/.work/$p-$stamp.md"
done
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results of each part saved in bench/.work/*-$stamp.md" >&2
