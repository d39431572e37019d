#!/usr/bin/env bash
# GPU-machine check of the CUDA path, in one go (what produced
# bench/results/2026-12-04-cuda-h200). Run from the repository root on a
# machine with nvcc, CMake and an NVIDIA GPU, after `npm install` (or with
# dist/, build/Release/ and node_modules/ copied from one). Results go to $OUT.
#   1. C++: CUDA build, ctest (CPU core + test_cuda + bench_cuda --quick), full bench_cuda
#   2. Node: the CUDA addon, `lutmpc selftest --backend cuda`, the addon's vitest file,
#      the secure-engine vitest files on LUTMPC_BACKEND=cuda
#   3. `lutmpc bench bert` at BERT-base, seq 128, on the cuda and on the cpu backend
# Env: OUT (default ./gpu-check-out), NODE_INCLUDE_DIR (Node headers when they
# are not next to the node binary), ARCH (default 90), SKIP_BERT=1.
set -uo pipefail
OUT=${OUT:-gpu-check-out}; mkdir -p "$OUT"; ARCH=${ARCH:-90}
T0=$(date +%s)
step() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }
step "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader), node $(node --version), $(nproc) cores"
inc=(); [ -n "${NODE_INCLUDE_DIR:-}" ] && inc=(-DNODE_INCLUDE_DIR="$NODE_INCLUDE_DIR")
cmake -S . -B build/cuda -DLUTMPC_CUDA=ON -DLUTMPC_CUDA_ARCHITECTURES="$ARCH" "${inc[@]}" > "$OUT/build.log" 2>&1 \
  && cmake --build build/cuda -j "$(nproc)" >> "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
step "ctest"
ctest --test-dir build/cuda --output-on-failure 2>&1 | tee "$OUT/ctest.log" | tail -4
timeout 240 ./build/cuda/bench_cuda > "$OUT/bench_cuda.log" 2>&1; tail -3 "$OUT/bench_cuda.log"
step "Node: CUDA addon"
node dist/cli/main.js selftest --backend cuda 2>&1 | tee "$OUT/selftest.log" | tail -2
VT="node node_modules/vitest/vitest.mjs"
$VT run test/native/cuda-load.test.ts test/cli/selftest.test.ts > "$OUT/vitest-addon.log" 2>&1; tail -5 "$OUT/vitest-addon.log"
LUTMPC_BACKEND=cuda $VT run test/secure test/lut test/mpc/matmul-rowscale.test.ts > "$OUT/vitest-cuda.log" 2>&1; tail -5 "$OUT/vitest-cuda.log"
node dist/cli/main.js bench kernels --backend cuda --skip-ts --json > "$OUT/kernels-cuda.json" 2> "$OUT/kernels-cuda.err"
[ "${SKIP_BERT:-0}" = 1 ] && exit 0
for b in cuda cpu; do
  step "bench bert BERT-base, backend $b"
  LUTMPC_BACKEND=$b node dist/cli/main.js bench bert --layers 12 --hidden 768 --heads 12 --ffn 3072 --seq 128 --json \
    > "$OUT/bert-base-$b.json" 2> "$OUT/bert-base-$b.err" || tail -5 "$OUT/bert-base-$b.err"
  node -e "const r=require(process.argv[1]); const s=r.secure; console.log('$b', 'online', s.onlineSeconds.toFixed(2), 's', (s.bytesOnline/1e6).toFixed(1), 'MB', s.rounds, 'rounds, exact', s.exact, '; plaintext int', r.plaintext.intSeconds.toFixed(2), 's')" "$PWD/$OUT/bert-base-$b.json"
done
step done
