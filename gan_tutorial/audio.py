"""Audio toolkit: load, crop/pad, features, normalisation, inversion, WAV and playback.

Framework-free (numpy + librosa + soundfile). Conventions:

* audio is a float32 array in [-1, 1], shape ``(T,)`` or ``(N, T)``, at ``sr`` Hz;
* spectrogram features are float32 ``(..., F, frames)`` - frequency first, time second,
  natural log of magnitude (``log(|X| + eps)``).
"""

from __future__ import annotations

import os
import struct
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .errors import AudioFileError, FileProblem
from .io import atomic_write_bytes, npz_bytes, peak_normalize, wav_bytes

__all__ = [
    "LOG_EPS",
    "N_SAMPLES",
    "SILENCE_PEAK",
    "SR",
    "SpecConfig",
    "SpecNormalizer",
    "atomic_write_bytes",
    "feature_convergence",
    "fix_length",
    "load_audio",
    "logmel",
    "peak_normalize",
    "play",
    "play_many",
    "resample",
    "save_wav",
    "spectral_convergence",
    "spectrogram",
    "spectrogram_to_audio",
    "stft_magnitude",
    "wav_bytes",
]

SR = 16000
N_SAMPLES = 16384  # 1.024 s at 16 kHz, the length NSynth-style clips are cut to
LOG_EPS = 1e-5
SILENCE_PEAK = 1e-4  # -80 dBFS


# --------------------------------------------------------------------------- loading
def _check_wav_header(path: Path) -> None:
    """Catch truncated WAV files, which libsndfile would read short without complaint."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return  # not RIFF/WAVE: let soundfile decide (it may be another format)
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise AudioFileError(
                    path,
                    "WAV file ends before its data chunk (truncated).",
                    "re-download or re-export the file.",
                )
            cid, clen = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                if clen != 0xFFFFFFFF and f.tell() + clen > size:  # 0xFFFFFFFF: streamed WAV
                    got = size - f.tell()
                    raise AudioFileError(
                        path,
                        f"WAV data chunk declares {clen} bytes but only {got} are present "
                        "(truncated).",
                        "re-download or re-export the file.",
                    )
                return
            f.seek(clen + (clen & 1), os.SEEK_CUR)


def load_audio(
    path: str | os.PathLike,
    sr: int = SR,
    *,
    offset: float = 0.0,
    duration: float | None = None,
    allow_silent: bool = False,
) -> np.ndarray:
    """Load any sample rate and channel count as mono float32 at ``sr`` Hz.

    Reads ``duration`` seconds (to the end when ``None``) from ``offset`` seconds; only
    that span is decoded. Returns a 1-D array. Raises :class:`AudioFileError` (a
    ``ValueError``) naming the file when it is missing, empty, truncated, not audio,
    non-finite, silent (peak below -80 dBFS; pass ``allow_silent=True`` to accept
    silence) or shorter than ``offset``.
    """
    import soundfile as sf

    if offset < 0 or (duration is not None and duration <= 0):
        raise ValueError(f"need offset >= 0 and duration > 0, got {offset=} {duration=}.")
    p = Path(path)
    if not p.exists():
        raise AudioFileError(p, "file does not exist.", "check the path and the dataset root.")
    if p.is_dir():
        raise AudioFileError(p, "is a folder, not an audio file.", "point at a .wav/.flac file.")
    if p.stat().st_size == 0:
        raise AudioFileError(p, "file is empty (0 bytes).", "re-download or re-export the file.")
    _check_wav_header(p)
    try:
        start, frames = 0, -1
        if offset or duration is not None:
            info = sf.info(str(p))
            start = round(offset * info.samplerate)
            if duration is not None:
                frames = max(1, round(duration * info.samplerate))
            if offset and start >= info.frames:
                raise AudioFileError(
                    p,
                    f"offset {offset} s is past the end of the recording ({info.duration:.2f} s).",
                    "use an offset below the file's duration.",
                )
        y, file_sr = sf.read(str(p), start=start, frames=frames, dtype="float32", always_2d=True)
    except AudioFileError:
        raise
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError
        raise AudioFileError(
            p,
            f"not a readable audio file ({type(exc).__name__}: {exc}).",
            "the file is corrupt or not audio despite its extension; re-download it "
            "or convert it to WAV/FLAC.",
        ) from exc
    if y.shape[0] == 0:
        raise AudioFileError(p, "contains no samples.", "re-export the file with audio in it.")
    y = y.mean(axis=1)
    if not np.all(np.isfinite(y)):
        raise AudioFileError(
            p, "contains NaN or infinite samples.", "re-export it; check the tool that wrote it."
        )
    if file_sr != sr:
        y = resample(y, file_sr, sr)
    if not allow_silent and float(np.max(np.abs(y))) < SILENCE_PEAK:
        span = f" from {offset} s for {duration} s" if offset or duration is not None else ""
        raise AudioFileError(
            p,
            f"is silent{span} (peak below -80 dBFS).",
            "drop it from the dataset, pick another offset, or pass allow_silent=True.",
        )
    return y.astype(np.float32, copy=False)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample along the last axis (soxr, high quality)."""
    import librosa

    if orig_sr == target_sr:
        return y
    return librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type="soxr_hq")


def fix_length(y: np.ndarray, n: int, *, where: str = "start") -> np.ndarray:
    """Crop or zero-pad the last axis to ``n`` samples.

    ``where`` is ``"start"`` (keep the onset: right for notes) or ``"center"``.
    """
    t = y.shape[-1]
    if t >= n:
        off = 0 if where == "start" else (t - n) // 2
        return y[..., off : off + n]
    pad = [(0, 0)] * (y.ndim - 1) + [
        (0, n - t) if where == "start" else ((n - t) // 2, n - t - (n - t) // 2)
    ]
    return np.pad(y, pad)


# --------------------------------------------------------------------------- features
@dataclass(frozen=True)
class SpecConfig:
    """How audio becomes a square spectrogram image and back.

    Defaults give 64 mel bins x 64 frames for 16384 samples at 16 kHz (hop 256 = 16 ms).
    """

    sr: int = SR
    n_samples: int = N_SAMPLES
    n_fft: int = 1024
    hop: int = 256
    n_mels: int = 64
    fmin: float = 20.0
    fmax: float = 8000.0
    kind: str = "mel"  # "mel" or "stft"

    @classmethod
    def for_size(cls, size: int, kind: str = "mel") -> SpecConfig:
        """A config whose spectrograms are ``size`` x ``size`` (64 or 128)."""
        if size not in (32, 64, 128, 256):
            raise ValueError(f"spectrogram size {size} unsupported. Fix: use 64 or 128.")
        hop = N_SAMPLES // size
        if kind == "stft":
            return cls(n_fft=2 * size, hop=hop, n_mels=size, kind="stft")
        return cls(n_fft=max(1024, 4 * hop), hop=hop, n_mels=size, kind="mel")

    @property
    def n_frames(self) -> int:
        return self.n_samples // self.hop

    @property
    def n_bins(self) -> int:
        return self.n_mels if self.kind == "mel" else self.n_fft // 2

    @property
    def shape(self) -> tuple[int, int]:
        """(frequency bins, frames)."""
        return (self.n_bins, self.n_frames)

    def frequencies(self) -> np.ndarray:
        """Centre frequency in Hz of each row of the spectrogram."""
        import librosa

        if self.kind == "mel":
            return librosa.mel_frequencies(self.n_mels, fmin=self.fmin, fmax=self.fmax)
        return np.fft.rfftfreq(self.n_fft, 1 / self.sr)[: self.n_bins]

    def as_dict(self) -> dict:
        return asdict(self)


def _mel_basis(cfg: SpecConfig) -> np.ndarray:
    import librosa

    return librosa.filters.mel(
        sr=cfg.sr, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax
    ).astype(np.float32)


def stft_magnitude(y: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """|STFT| of ``y`` (..., T): (..., n_fft//2+1, n_frames), frames cropped to ``cfg.n_frames``."""
    import librosa

    y = fix_length(np.asarray(y, dtype=np.float32), cfg.n_samples)
    s = np.abs(librosa.stft(y, n_fft=cfg.n_fft, hop_length=cfg.hop, center=True))
    return s[..., : cfg.n_frames].astype(np.float32)


def spectrogram(y: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """Log-magnitude feature (log-mel or log-STFT) of ``y`` (..., T): (..., F, frames)."""
    mag = stft_magnitude(y, cfg)
    if cfg.kind == "mel":
        mag = np.einsum("mf,...ft->...mt", _mel_basis(cfg), mag)
    else:
        mag = mag[..., : cfg.n_bins, :]
    return np.log(mag + LOG_EPS).astype(np.float32)


def logmel(y: np.ndarray, cfg: SpecConfig | None = None) -> np.ndarray:
    """Log-mel spectrogram (natural log of mel magnitude): (..., n_mels, n_frames)."""
    cfg = cfg or SpecConfig()
    if cfg.kind != "mel":
        raise ValueError("logmel needs a mel SpecConfig. Fix: use spectrogram() for kind='stft'.")
    return spectrogram(y, cfg)


def spectrogram_to_audio(
    spec: np.ndarray, cfg: SpecConfig, *, method: str = "pinv", n_iter: int = 32, seed: int = 0
) -> np.ndarray:
    """Invert log features (..., F, frames) to audio (..., n_samples) with Griffin-Lim.

    ``method="pinv"`` maps mel back to linear frequency with the pseudo-inverse of the
    mel filterbank (fast); ``method="nnls"`` uses librosa's non-negative least squares
    (``librosa.feature.inverse.mel_to_stft``, about 7x slower, slightly more accurate).
    """
    import librosa

    mag = np.exp(np.asarray(spec, dtype=np.float32)) - LOG_EPS
    mag = np.maximum(mag, 0.0)
    if cfg.kind == "mel":
        if method == "pinv":
            lin = np.einsum("fm,...mt->...ft", np.linalg.pinv(_mel_basis(cfg)), mag)
            lin = np.maximum(lin, 0.0)
        elif method == "nnls":
            lin = librosa.feature.inverse.mel_to_stft(
                mag, sr=cfg.sr, n_fft=cfg.n_fft, power=1.0, fmin=cfg.fmin, fmax=cfg.fmax
            )
        else:
            raise ValueError(f"unknown inversion method {method!r}. Fix: use 'pinv' or 'nnls'.")
    else:
        pad = [(0, 0)] * (mag.ndim - 2) + [(0, cfg.n_fft // 2 + 1 - cfg.n_bins), (0, 0)]
        lin = np.pad(mag, pad)
    # one extra frame so the centred STFT covers the whole clip
    lin = np.concatenate([lin, lin[..., -1:]], axis=-1)
    y = librosa.griffinlim(
        lin,
        n_iter=n_iter,
        hop_length=cfg.hop,
        n_fft=cfg.n_fft,
        length=cfg.n_samples,
        random_state=seed,
        init="random",
    )
    return y.astype(np.float32)


def spectral_convergence(reference: np.ndarray, estimate: np.ndarray, cfg: SpecConfig) -> float:
    """|| |S_ref| - |S_est| ||_F / || |S_ref| ||_F on linear STFT magnitudes (0 = perfect)."""
    a = stft_magnitude(reference, cfg)
    b = stft_magnitude(estimate, cfg)
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(a)), 1e-12))


def feature_convergence(reference: np.ndarray, estimate: np.ndarray, cfg: SpecConfig) -> float:
    """Spectral convergence measured on the features themselves (e.g. mel magnitudes).

    Unlike :func:`spectral_convergence` this ignores what the features never kept (the
    detail inside a mel band), so it isolates the error of phase reconstruction.
    """
    a = np.exp(spectrogram(reference, cfg))
    b = np.exp(spectrogram(estimate, cfg))
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(a)), 1e-12))


class SpecNormalizer:
    """SpecGAN-style per-frequency-bin normalisation of log spectrograms to [-1, 1].

    Fit on training data: each bin's mean and std over clips and frames; transform is
    ``clip((x - mean) / (clip_std * std), -1, 1)``. Save it with the model: the inverse
    needs exactly the same statistics.
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray, clip_std: float = 3.0) -> None:
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.clip_std = float(clip_std)
        if self.mean.shape != self.std.shape or self.mean.ndim != 1:
            raise ValueError("mean and std must be 1-D arrays of the same length (one per bin).")

    @classmethod
    def fit(cls, specs: np.ndarray, clip_std: float = 3.0) -> SpecNormalizer:
        """``specs``: (N, F, frames) log spectrograms of the training split."""
        specs = np.asarray(specs, dtype=np.float64)
        if specs.ndim != 3:
            raise ValueError(f"fit expects (N, F, frames), got shape {specs.shape}.")
        mean = specs.mean(axis=(0, 2))
        std = np.maximum(specs.std(axis=(0, 2)), 1e-3)
        return cls(mean, std, clip_std)

    def transform(self, specs: np.ndarray) -> np.ndarray:
        z = (np.asarray(specs, dtype=np.float32) - self.mean[:, None]) / (
            self.clip_std * self.std[:, None]
        )
        return np.clip(z, -1.0, 1.0).astype(np.float32)

    def inverse(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return (x * self.clip_std * self.std[:, None] + self.mean[:, None]).astype(np.float32)

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        atomic_write_bytes(path, npz_bytes(mean=self.mean, std=self.std, clip_std=self.clip_std))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> SpecNormalizer:
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(z["mean"], z["std"], float(z["clip_std"]))
        except (OSError, KeyError, ValueError) as exc:
            raise FileProblem(
                path,
                f"is not a saved SpecNormalizer ({exc}).",
                "save one with SpecNormalizer.save() or refit it on the training data.",
            ) from exc


# --------------------------------------------------------------------------- files and playback
def save_wav(path: str | os.PathLike, y: np.ndarray, sr: int = SR) -> Path:
    """Write a mono clip as 16-bit WAV (atomically, creating folders). Returns the path."""
    return atomic_write_bytes(path, wav_bytes(y, sr))


def play(y: np.ndarray, sr: int = SR, *, normalize: bool = True):
    """An inline player for a notebook (``IPython.display.Audio``)."""
    from IPython.display import Audio

    y = np.asarray(y, dtype=np.float32)
    if normalize and np.max(np.abs(y)) < 1e-8:
        normalize = False  # IPython refuses to normalise all-zero audio
    return Audio(y, rate=sr, normalize=normalize)


def play_many(clips: np.ndarray, sr: int = SR, labels: list[str] | None = None):
    """A row of labelled players as an ipywidgets box (one per clip)."""
    import ipywidgets as w

    items = []
    for i, y in enumerate(clips):
        label = labels[i] if labels else f"clip {i}"
        player = w.Audio(
            value=wav_bytes(y, sr, normalize=True),
            format="wav",
            autoplay=False,
            loop=False,
        )
        player.layout.width = "220px"
        items.append(w.VBox([w.Label(label), player]))
    return w.HBox(items, layout=w.Layout(flex_flow="row wrap"))
