#!/usr/bin/env bash
# Installs the Debian packages the benchmarks need (bench/debian-packages.txt) that are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh bench/debian-packages.txt
