// The two pictures of a piece, each a canvas with a moving playhead: the waveform and the
// piano roll. The still picture is drawn once (and on resize); each frame adds the playhead.

/** Part colours, in plan order; notes are filled with exactly these colours. */
export const PALETTE = ["#f2b84b", "#7cc4ff", "#7ee787", "#ff7b72", "#d2a8ff", "#ffa657", "#56d4dd", "#f778ba"];
const PLAYHEAD = "#ffffff";
const GRID = "#2e3746";
const LABEL = "#a3adbd";

export function colorFor(index) {
  return PALETTE[index % PALETTE.length];
}

class CanvasView {
  constructor(canvas) {
    this.canvas = canvas;
    this.base = null;
    this.duration = 0;
    this.lastTime = -1;
    new ResizeObserver(() => this.redraw()).observe(canvas);
  }

  /** Size the canvas to its box in device pixels; returns the size. */
  fit() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    return { width, height, ratio };
  }

  redraw() {
    const { width, height, ratio } = this.fit();
    const base = document.createElement("canvas");
    base.width = width;
    base.height = height;
    this.drawBase(base.getContext("2d"), width, height, ratio);
    this.base = base;
    this.lastTime = -1;
    this.draw(Math.max(0, this.lastShown || 0));
  }

  /** Show the still picture and the playhead at `time` seconds. */
  draw(time) {
    if (!this.base || time === this.lastTime) return;
    this.lastTime = time;
    this.lastShown = time;
    const context = this.canvas.getContext("2d");
    context.drawImage(this.base, 0, 0);
    if (this.duration > 0 && time > 0) {
      const x = Math.round((time / this.duration) * this.canvas.width);
      context.fillStyle = PLAYHEAD;
      context.fillRect(x, 0, Math.max(1, Math.round(window.devicePixelRatio || 1)), this.canvas.height);
    }
  }

  clear() {
    this.duration = 0;
    this.redraw();
  }
}

export class Waveform extends CanvasView {
  /** @param {AudioBuffer|null} buffer */
  setBuffer(buffer) {
    this.mono = null;
    if (buffer) {
      const mono = new Float32Array(buffer.length);
      for (let c = 0; c < buffer.numberOfChannels; c++) {
        const channel = buffer.getChannelData(c);
        for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / buffer.numberOfChannels;
      }
      this.mono = mono;
      this.duration = buffer.duration;
    } else {
      this.duration = 0;
    }
    this.redraw();
  }

  drawBase(context, width, height) {
    context.fillStyle = "#0d1117";
    context.fillRect(0, 0, width, height);
    context.fillStyle = GRID;
    context.fillRect(0, Math.floor(height / 2), width, 1);
    if (!this.mono) return;
    const step = this.mono.length / width;
    context.fillStyle = PALETTE[1];
    for (let x = 0; x < width; x++) {
      let low = 1;
      let high = -1;
      const end = Math.min(this.mono.length, Math.floor((x + 1) * step));
      for (let i = Math.floor(x * step); i < end; i++) {
        const v = this.mono[i];
        if (v < low) low = v;
        if (v > high) high = v;
      }
      if (high < low) continue;
      const top = Math.round((1 - high) * 0.5 * height);
      const bottom = Math.round((1 - low) * 0.5 * height);
      context.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  }
}

export class PianoRoll extends CanvasView {
  /**
   * @param {{tracks: object[], colors: string[], sections: object[], duration: number}} piece
   */
  setPiece(piece) {
    this.piece = piece;
    this.duration = piece ? piece.duration : 0;
    this.redraw();
  }

  drawBase(context, width, height, ratio) {
    context.fillStyle = "#0d1117";
    context.fillRect(0, 0, width, height);
    const piece = this.piece;
    if (!piece || !this.duration) return;
    const x = (seconds) => Math.round((seconds / this.duration) * width);
    const header = Math.round(18 * ratio);
    const hasDrums = piece.tracks.some((t) => t.isDrum && t.notes.length);
    const drumLane = hasDrums ? Math.round((height - header) * 0.2) : 0;
    const pitched = piece.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes.map((n) => n.pitch));
    const low = pitched.length ? Math.min(...pitched) - 1 : 48;
    const high = pitched.length ? Math.max(...pitched) + 1 : 72;
    const laneTop = header;
    const laneHeight = height - header - drumLane;
    const rowHeight = laneHeight / (high - low + 1);

    // Sections: alternate shading, a line and the label at each start.
    context.font = `${Math.round(11 * ratio)}px system-ui, sans-serif`;
    context.textBaseline = "middle";
    piece.sections.forEach((section, index) => {
      const start = x(section.start_s);
      const end = x(section.end_s);
      if (index % 2 === 1) {
        context.fillStyle = "#141a23";
        context.fillRect(start, 0, end - start, height);
      }
      context.fillStyle = GRID;
      context.fillRect(start, 0, Math.max(1, Math.round(ratio)), height);
      context.fillStyle = LABEL;
      context.fillText(section.label, start + 4 * ratio, header / 2);
    });
    context.fillStyle = GRID;
    context.fillRect(0, header - 1, width, 1);
    if (drumLane) context.fillRect(0, height - drumLane, width, 1);

    piece.tracks.forEach((track, index) => {
      context.fillStyle = piece.colors[index];
      for (const note of track.notes) {
        let top;
        let noteHeight;
        if (track.isDrum) {
          const rows = 48;
          noteHeight = Math.max(2, Math.floor(drumLane / rows) + 1);
          top = height - drumLane + Math.round(((81 - Math.min(81, Math.max(34, note.pitch))) / rows) * drumLane);
        } else {
          noteHeight = Math.max(2, Math.floor(rowHeight));
          top = laneTop + Math.round((high - note.pitch) * rowHeight);
        }
        const left = x(note.start);
        const noteWidth = Math.max(Math.round(2 * ratio), x(note.end) - left - 1);
        context.fillRect(left, top, noteWidth, noteHeight);
      }
    });
  }
}
