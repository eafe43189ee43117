#!/usr/bin/env bash
# Issue 24's GPU measurement in one call of about 9 minutes on a machine with one NVIDIA GPU,
# python3 with CUDA torch, numpy, scipy and tqdm, and no FluidSynth and no network.
#
# 1. here, once, on a Debian/Ubuntu x86-64 machine with FluidSynth and the course's .venv:
#      .ci/gpu_bench.sh prepare
#    copies into .gpu/ (git-ignored through .git/info/exclude, about 30 MB): libfluidsynth and
#    the libraries it loads (ldd), and the pure-Python packages the data build imports
#    (pyfluidsynth, pretty_midi with its SoundFont, mido, six, importlib_resources).
# 2. there (the device tool): run(command="bash .ci/gpu_bench.sh run", carry=[".gpu"],
#    timeout_s=600). It
#    - times 500 chapter-25 steps of the gpu profile (python -m gan_tutorial.torch.bench,
#      random clips of the profile's shape: the step's cost does not depend on the data), and
#      200 steps at batch 256, with nvidia-smi dmon's SM utilisation alongside, while the
#      gpu profile's data set renders on the CPU cores (FluidSynth from .gpu/);
#    - trains the gpu profile on the real data for at most TRAIN_S seconds of training
#      (default 240, the issue's target for 30,000 steps) and writes 100 sample clips;
#    - leaves in $OUT: bench.json, the logs, dmon traces and the sample file (under 16 MB).
# Evaluate the sample file afterwards here with gan_tutorial.torch.cgan.evaluation's
# evaluate_sample_file.
set -euo pipefail
cd "$(dirname "$0")/.."

prepare() {
  local lib site py
  lib=$(ldconfig -p | awk '/libfluidsynth\.so\.3 /{print $NF; exit}')
  [ -n "$lib" ] || { echo "libfluidsynth.so.3 not found: apt-get install libfluidsynth3"; exit 1; }
  rm -rf .gpu && mkdir -p .gpu/lib .gpu/site
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
  # glibc's own libraries stay the target's
  { echo "$lib"; ldd "$lib" | awk '/=>/{print $3}'; } |
    grep -v -E '/(libc|libm|libpthread|libdl|librt|libresolv|ld-linux[^/]*)\.so' |
    xargs -I{} cp -L {} .gpu/lib/
  py=.venv/bin/python
  site=$($py -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  for p in fluidsynth.py pretty_midi mido six.py importlib_resources; do cp -r "$site/$p" .gpu/site/; done
  du -sh .gpu
}

run() {
  : "${OUT:?set OUT to a folder for the results}"
  local train_s=${TRAIN_S:-240} here; here=$(pwd)
  export PYTHONPATH="$here:$here/.gpu/site" PYTHONUNBUFFERED=1 GAN_TUTORIAL_DATA=/tmp/gan_data
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
  python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$OUT/gpu.txt"
  # FluidSynth's libraries that this machine lacks (only those: its own ones stay first)
  mkdir -p /tmp/fluidsynth-lib
  for f in .gpu/lib/*; do
    ldconfig -p | grep -q "/$(basename "$f")\$" || cp "$f" /tmp/fluidsynth-lib/
  done
  echo /tmp/fluidsynth-lib >/etc/ld.so.conf.d/zz-gan-tutorial-fluidsynth.conf && ldconfig
  (time python3 -c "from gan_tutorial import data; data.nsynth_lite('gpu', progress=False)") \
    >"$OUT/data.log" 2>&1 &
  local data_pid=$!

  nvidia-smi dmon -s u -d 1 >"$OUT/dmon_bench.txt" 2>&1 &
  local dmon=$!
  python3 -m gan_tutorial.torch.bench --profile gpu --device cuda --synthetic --steps 500 \
    --warmup 50 --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.log"
  python3 -m gan_tutorial.torch.bench --profile gpu --device cuda --synthetic --steps 200 \
    --warmup 20 --batch-size 256 --json "$OUT/bench.json" 2>&1 | tee -a "$OUT/bench.log"
  kill "$dmon" || true
  wait "$data_pid" || { echo "data build failed:"; tail -30 "$OUT/data.log"; exit 1; }
  tail -3 "$OUT/data.log"

  nvidia-smi dmon -s u -d 5 >"$OUT/dmon_train.txt" 2>&1 &
  dmon=$!
  (time python3 -m gan_tutorial.torch.cgan --profile gpu --device cuda --out /tmp/cgan-gpu \
    --fresh --time-limit "$train_s" --samples 100 --no-progress) 2>&1 | tee "$OUT/train.log"
  kill "$dmon" || true
  python3 - "$OUT" <<'EOF'
import json, sys, torch
ck = torch.load("/tmp/cgan-gpu/checkpoint.pt", weights_only=True)
extra = json.loads(ck["extra_json"])
res = {"step": ck["step"], "train_seconds": extra["train_seconds"],
       "steps_per_s": ck["step"] / extra["train_seconds"]}
print(res)
json.dump({**res, "history": ck["history"]}, open(sys.argv[1] + "/train_summary.json", "w"))
EOF
  cp /tmp/cgan-gpu/samples_torch_cgan.npz "$OUT/"
  ls -l "$OUT"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: $0 prepare|run"; exit 2 ;;
esac
