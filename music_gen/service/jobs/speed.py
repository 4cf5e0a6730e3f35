"""Measured engine speed per model, for ETAs."""

from __future__ import annotations

import math
import threading

#: Shortest audio whose timing is worth learning from (shorter pieces are mostly overhead,
#: and a near-zero length would make the rate infinite).
MIN_MEASURED_AUDIO_S = 0.01


class SpeedTracker:
    """A running average of engine seconds per second of audio, per model.

    Args:
        prior_s_per_audio_s: What to assume before a model was measured.
        weight: Weight of each new measurement in the exponential average.
    """

    def __init__(self, prior_s_per_audio_s: float, weight: float = 0.3) -> None:
        self.prior = prior_s_per_audio_s
        self.weight = weight
        self._rates: dict[str, float] = {}
        self._lock = threading.Lock()

    def record(self, model: str, elapsed_s: float, audio_s: float) -> None:
        """Add one measurement: ``elapsed_s`` of work made ``audio_s`` of audio."""
        if not audio_s >= MIN_MEASURED_AUDIO_S or not elapsed_s >= 0:
            return
        rate = elapsed_s / audio_s
        if not math.isfinite(rate):
            return
        with self._lock:
            old = self._rates.get(model)
            self._rates[model] = rate if old is None else old + self.weight * (rate - old)

    def rate(self, model: str) -> float:
        """Seconds of work per second of audio for a model."""
        with self._lock:
            return self._rates.get(model, self.prior)

    def eta_s(self, model: str, audio_s: float, queued_audio_s: float) -> float:
        """Seconds until a new task of ``audio_s`` finishes behind ``queued_audio_s`` of work.

        Always a finite number >= 0.
        """
        eta = self.rate(model) * (max(0.0, audio_s) + max(0.0, queued_audio_s))
        return eta if math.isfinite(eta) else 0.0
