// Stems mixed live with Web Audio: per stem a gain (volume, mute, solo) and a stereo panner.
// The same graph renders offline for the level meter and the "download this mix" file.

export class StemMixer {
  constructor() {
    this.stems = [];
    this.nodes = [];
    this.playing = false;
    this.offset = 0;
    this.onEnded = null;
  }

  /** @param {{name: string, color: string, buffer: AudioBuffer, url: string}[]} stems */
  setStems(stems) {
    this.stop();
    this.offset = 0;
    this.stems = stems.map((stem) => ({ ...stem, mute: false, solo: false, volume: 1, pan: 0 }));
  }

  get duration() {
    return Math.max(0, ...this.stems.map((s) => s.buffer.duration));
  }

  /** The gain a stem plays at now: 0 when muted, or when others are soloed and it is not. */
  gainOf(stem) {
    const soloing = this.stems.some((s) => s.solo);
    return stem.mute || (soloing && !stem.solo) ? 0 : stem.volume;
  }

  connect(context, destination, offset, when = 0) {
    return this.stems.map((stem) => {
      const source = context.createBufferSource();
      source.buffer = stem.buffer;
      const gain = context.createGain();
      gain.gain.value = this.gainOf(stem);
      const panner = context.createStereoPanner();
      panner.pan.value = stem.pan;
      source.connect(gain).connect(panner).connect(destination);
      source.start(when, Math.min(offset, stem.buffer.duration));
      return { stem, source, gain, panner };
    });
  }

  /** Start all stems together at `offset` seconds on a running AudioContext. */
  play(context, offset = 0) {
    this.stop();
    this.context = context;
    this.offset = offset;
    this.startedAt = context.currentTime + 0.05;
    this.nodes = this.connect(context, context.destination, offset, this.startedAt);
    this.playing = true;
    const longest = this.nodes.reduce((a, b) => (a.stem.buffer.duration >= b.stem.buffer.duration ? a : b));
    longest.source.onended = () => {
      if (this.playing && this.time() >= this.duration - 0.05) {
        this.stop();
        this.offset = 0;
        this.onEnded?.();
      }
    };
  }

  stop() {
    if (this.playing) this.offset = this.time();
    this.playing = false;
    for (const node of this.nodes) {
      node.source.onended = null;
      try {
        node.source.stop();
      } catch {
        // Never started: nothing to stop.
      }
      node.panner.disconnect();
    }
    this.nodes = [];
  }

  /** Seconds into the piece. */
  time() {
    if (!this.playing) return this.offset;
    return Math.min(this.duration, this.offset + Math.max(0, this.context.currentTime - this.startedAt));
  }

  /** Apply the stems' settings to what is playing, at once. */
  update() {
    for (const node of this.nodes) {
      const now = this.context.currentTime;
      node.gain.gain.setTargetAtTime(this.gainOf(node.stem), now, 0.01);
      node.panner.pan.setTargetAtTime(node.stem.pan, now, 0.01);
    }
  }

  /** The mix as the current settings make it, rendered offline. */
  async render() {
    const rate = this.stems[0].buffer.sampleRate;
    const length = Math.max(...this.stems.map((s) => s.buffer.length));
    const context = new OfflineAudioContext(2, length, rate);
    this.connect(context, context.destination, 0);
    return context.startRendering();
  }
}

/** RMS level of a buffer in dBFS (-Infinity for silence). */
export function levelDb(buffer) {
  let sum = 0;
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const data = buffer.getChannelData(c);
    for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
  }
  const rms = Math.sqrt(sum / Math.max(1, buffer.length * buffer.numberOfChannels));
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}

/** A 16-bit PCM WAV file of a buffer. */
export function encodeWav(buffer) {
  const channels = buffer.numberOfChannels;
  const frames = buffer.length;
  const bytes = new DataView(new ArrayBuffer(44 + frames * channels * 2));
  const text = (offset, value) => [...value].forEach((ch, i) => bytes.setUint8(offset + i, ch.charCodeAt(0)));
  text(0, "RIFF");
  bytes.setUint32(4, 36 + frames * channels * 2, true);
  text(8, "WAVEfmt ");
  bytes.setUint32(16, 16, true);
  bytes.setUint16(20, 1, true);
  bytes.setUint16(22, channels, true);
  bytes.setUint32(24, buffer.sampleRate, true);
  bytes.setUint32(28, buffer.sampleRate * channels * 2, true);
  bytes.setUint16(32, channels * 2, true);
  bytes.setUint16(34, 16, true);
  text(36, "data");
  bytes.setUint32(40, frames * channels * 2, true);
  const data = [...Array(channels).keys()].map((c) => buffer.getChannelData(c));
  let offset = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.max(-1, Math.min(1, data[c][i]));
      bytes.setInt16(offset, v < 0 ? v * 0x8000 : v * 0x7fff, true);
      offset += 2;
    }
  }
  return new Blob([bytes], { type: "audio/wav" });
}
