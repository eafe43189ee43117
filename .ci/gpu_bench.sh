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
#
# Issue 25's gpu figure (notebook 26's IF model against notebook 25's mel model at equal
# wall time), after the same "prepare":
# 3. there: run(command="bash .ci/gpu_bench.sh run26", carry=[".gpu"], timeout_s=600) renders
#    the gpu profile's data, trains each model (python -m gan_tutorial.torch.cgan
#    --representation mel, then if) for TRAIN_S seconds of training (default 150; no step cap)
#    and leaves in $OUT the logs and, per model, 200 clips' audio and labels (clips_mel.npz,
#    clips_if.npz, about 12 MB each: the IF sample file's spectrograms would pass 16 MB).
# 4. here: .ci/gpu_bench.sh judge26 FOLDER (FOLDER: where step 3's files came back) prints
#    chapter 24's judge (pitch accuracy, FID) and the MFCC Fréchet distance of both sets
#    against the gpu profile's real notes (rendered here on first use).
# OUT=... PROFILE=quick DEVICE=cpu TRAIN_S=10 runs step 3 on a CPU in under a minute, to
# check it and step 4 (tried on 2026-12-06; on a GPU never yet).
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

# the device machine: the course on the path, FluidSynth's missing libraries, what GPU it is
setup() {
  : "${OUT:?set OUT to a folder for the results}"
  local here; here=$(pwd)
  export PYTHONPATH="$here:$here/.gpu/site" PYTHONUNBUFFERED=1 GAN_TUTORIAL_DATA=/tmp/gan_data
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
  python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$OUT/gpu.txt"
  # FluidSynth's libraries that this machine lacks (only those: its own ones stay first)
  mkdir -p /tmp/fluidsynth-lib
  for f in .gpu/lib/*; do
    ldconfig -p | grep -q "/$(basename "$f")\$" || cp "$f" /tmp/fluidsynth-lib/
  done
  echo /tmp/fluidsynth-lib >/etc/ld.so.conf.d/zz-gan-tutorial-fluidsynth.conf && ldconfig
}

run() {
  local train_s=${TRAIN_S:-240}
  setup
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

run26() {
  local train_s=${TRAIN_S:-150} profile=${PROFILE:-gpu} device=${DEVICE:-cuda} rep
  if [ "$device" = cpu ]; then  # the CPU check: the course's .venv, no GPU
    : "${OUT:?set OUT to a folder for the results}"
    export PATH="$(pwd)/.venv/bin:$PATH" PYTHONUNBUFFERED=1
  else
    setup
  fi
  (time python3 -c "from gan_tutorial import data; data.nsynth_lite('$profile', progress=False)") \
    >"$OUT/data.log" 2>&1 || { echo "data build failed:"; tail -30 "$OUT/data.log"; exit 1; }
  tail -3 "$OUT/data.log"
  for rep in mel if; do
    (time python3 -m gan_tutorial.torch.cgan --representation "$rep" --profile "$profile" \
      --device "$device" --out "/tmp/cgan26-$rep" --fresh --time-limit "$train_s" --steps 1000000 \
      --samples 200 \
      --no-progress) 2>&1 | tee "$OUT/train_$rep.log"
  done
  for rep in mel if; do  # each folder holds its model's one sample file
    python3 - /tmp/cgan26-"$rep"/samples_torch_*.npz "$OUT/clips_$rep.npz" <<'EOF'
import json, sys
import numpy as np
from gan_tutorial.samples import load_samples
s = load_samples(sys.argv[1])
np.savez_compressed(sys.argv[2], audio=s.audio.astype(np.float32), meta=np.array(json.dumps(s.meta)))
EOF
  done
  ls -l "$OUT"
}

judge26() {
  local folder=${1:?usage: $0 judge26 FOLDER}
  .venv/bin/python - "$folder" <<'EOF'
import json, sys
import numpy as np
from gan_tutorial import config, data, metrics, spectral
from gan_tutorial.torch.cgan import diagnostics as cgan_diag
from gan_tutorial.torch.cgan import evaluation as cgan_eval
sets = {}
for rep in ("mel", "if"):
    with np.load(f"{sys.argv[1]}/clips_{rep}.npz", allow_pickle=False) as z:
        sets[rep] = (z["audio"], json.loads(str(z["meta"])))
prof = config.profile(sets["mel"][1]["profile"])
notes = data.nsynth_lite(prof, progress=False)
judge = cgan_eval.Judge.build(notes, spectral.SpecConfig.for_size(prof.spec_size), **dict(spectral.VOCODER))
train = np.flatnonzero(notes.split == "train")
ref = metrics.mfcc_stats(notes.audio[np.random.default_rng(0).choice(train, min(600, len(train)), replace=False)])
held_idx = np.flatnonzero(np.isin(notes.split, ["valid", "test"]))
held = notes.audio[np.random.default_rng(1).choice(held_idx, min(200, len(held_idx)), replace=False)]
print(f"profile {prof.name}; MFCC Fréchet of {len(held)} real held-out notes: {metrics.mfcc_frechet_to(ref, held):.1f}")
for rep, (audio, meta) in sets.items():
    midi = np.asarray(meta["pitch"])
    row = judge.row(rep, judge.embed(audio), midi)
    checks = cgan_diag.targets(cgan_diag.score(judge, rep, judge.hear(audio, midi, meta["family"]), midi))
    print(f"{rep}: {meta['step']} steps in {meta.get('train_seconds')} s of training · pitch accuracy "
          f"{row['pitch_accuracy']:.3f} · FID {row['fid']:.1f} · MFCC Fréchet {metrics.mfcc_frechet_to(ref, audio):.1f}")
    print(cgan_diag.format_targets(checks))
EOF
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  run26) run26 ;;
  judge26) judge26 "${2:-}" ;;
  *) echo "usage: $0 prepare|run|run26|judge26 FOLDER"; exit 2 ;;
esac
