// Live: an endless session over /ws/live, steered while it plays. Each chunk is scheduled on
// the page's AudioContext at the time of its first frame, so the chunks join without a gap.
import { ApiError, openLive } from "./api.js";
import { ErrorCode } from "./codes.js";

const $ = (id) => document.getElementById(id);
/** How far ahead of its arrival the first chunk is scheduled, in seconds. */
const LEAD_S = 0.25;
/** The fade of "Stop now", in seconds (the server's own fade is as short). */
const FADE_S = 0.03;
/** A slider change is sent once it has rested this long, in milliseconds. */
const STEER_DELAY_MS = 300;
/** Why the server ended a session, when the listener did not ask. */
const ENDED_BECAUSE = {
  idle_timeout: " (nothing was changed for a long while)",
  max_session: " (the longest session this server plays)",
};

/** An AudioBuffer from a chunk of interleaved little-endian 16-bit PCM in base64. */
export function pcmBuffer(context, data, frames, channels, sampleRate) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const pcm = new Int16Array(bytes.buffer, 0, frames * channels);
  const buffer = context.createBuffer(channels, frames, sampleRate);
  for (let c = 0; c < channels; c++) {
    const out = buffer.getChannelData(c);
    for (let i = 0; i < frames; i++) out[i] = pcm[i * channels + c] / 32768;
  }
  return buffer;
}

function partName(part) {
  if (typeof part === "string") return part;
  return part?.instrument || part?.name || part?.role || JSON.stringify(part);
}

/** The lines of a plan worth showing while it plays: [label, value]. */
export function planLines(plan) {
  const lines = [];
  if (plan.genre) lines.push(["Genre", plan.genre]);
  if (plan.mood) lines.push(["Mood", plan.mood]);
  if (plan.key) lines.push(["Key", plan.key]);
  if (plan.tempo_bpm) lines.push(["Tempo", `${Math.round(plan.tempo_bpm)} bpm`]);
  if (plan.meter) lines.push(["Meter", Array.isArray(plan.meter) ? plan.meter.join("/") : plan.meter]);
  if (typeof plan.intensity === "number") lines.push(["Intensity", plan.intensity.toFixed(2)]);
  if (Array.isArray(plan.active_parts)) lines.push(["Playing", plan.active_parts.map(partName).join(", ")]);
  return lines;
}

function describeSteer(message) {
  const words = [];
  if (message.prompt !== undefined) words.push(`“${message.prompt}”`);
  if (message.intensity !== undefined) words.push(`intensity ${message.intensity.toFixed(2)}`);
  if (message.tempo_bpm !== undefined) words.push(`${message.tempo_bpm} bpm`);
  if (message.key !== undefined) words.push(message.key);
  return words.join(", ");
}

/** The Live card: start, steer and stop a session, and show what plays and what is coming. */
export class LivePanel {
  /**
   * @param {{audioContext: () => AudioContext, showError: Function}} page What the page does.
   */
  constructor(page) {
    this.page = page;
    this.session = null;
    this.sources = new Set();
    /** Chunks scheduled and chunks played to their end (the tests read these). */
    this.chunks = 0;
    this.played = 0;
    /** Times a chunk arrived too late for its place and the clock was moved on. */
    this.underruns = 0;
    this.lastSteer = null;
    this.nextId = 1;
    this.wire();
  }

  wire() {
    const intensity = $("adaptive-intensity");
    const showValue = () => {
      const text = Number(intensity.value).toFixed(2);
      $("adaptive-intensity-value").textContent = text;
      intensity.setAttribute("aria-valuetext", text);
    };
    intensity.addEventListener("input", showValue);
    showValue();
    // Arrow keys change the slider step by step: one steer once the key is let go a moment.
    let timer = 0;
    intensity.addEventListener("change", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (this.session && Number(intensity.value) !== this.sent.intensity) {
          this.steer({ intensity: Number(intensity.value) });
        }
      }, STEER_DELAY_MS);
    });
    $("adaptive-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.session) this.steerFromForm();
      else this.start();
    });
    $("adaptive-steer").addEventListener("click", () => this.steerFromForm());
    $("adaptive-end").addEventListener("click", () => this.stop(true));
    $("adaptive-stop").addEventListener("click", () => this.stop(false));
    for (const button of document.querySelectorAll("#adaptive .mood")) {
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => {
        $("adaptive-prompt").value = button.dataset.prompt;
        this.pressMood(button);
        if (this.session) this.steer({ prompt: button.dataset.prompt });
      });
    }
  }

  pressMood(pressed) {
    for (const button of document.querySelectorAll("#adaptive .mood")) {
      button.setAttribute("aria-pressed", String(button === pressed));
    }
  }

  setStatus(text) {
    $("adaptive-status").textContent = text;
  }

  showError(error) {
    const box = $("adaptive-error");
    if (error) this.page.showError(error, box);
    else {
      box.hidden = true;
      box.textContent = "";
    }
  }

  setRunning(running) {
    $("adaptive-start").disabled = running;
    for (const id of ["adaptive-steer", "adaptive-end", "adaptive-stop"]) $(id).disabled = !running;
  }

  /** Seconds of the session's audio at a frame. */
  seconds(frame) {
    return frame / (this.sampleRate || 44100);
  }

  /** The AudioContext time at which a frame of the session plays. */
  timeOf(frame) {
    return this.offset + this.seconds(frame);
  }

  start() {
    this.showError(null);
    const context = this.page.audioContext(); // inside the click, so the browser lets it play
    const prompt = $("adaptive-prompt").value;
    const intensity = Number($("adaptive-intensity").value);
    this.context = context;
    this.offset = null;
    this.ending = false;
    this.stoppedNow = false;
    this.failed = false;
    this.sent = { prompt, intensity, tempo_bpm: undefined, key: undefined };
    this.gain = context.createGain();
    this.gain.connect(context.destination);
    $("adaptive-steers").replaceChildren();
    this.pending = new Map();
    this.setStatus("Starting…");
    this.setRunning(true);
    this.session = openLive({ prompt, intensity, chunk_s: 0.25 }, {
      started: (message) => this.started(message),
      audio_chunk: (message) => this.chunk(message),
      steered: (message) => this.steered(message),
      stopping: (message) => {
        this.ending = true;
        const at = this.seconds(message.end_frame).toFixed(2);
        this.setStatus(this.stoppedNow ? `Stopped at ${at} s.` : `Ending at ${at} s…`);
      },
      stopped: (message) => {
        this.ending = true;
        const why = ENDED_BECAUSE[message.reason] || "";
        if (!this.stoppedNow) this.setStatus(`Ended after ${this.seconds(message.frames).toFixed(1)} s${why}.`);
      },
      error: (message) => this.failure(message),
      closed: () => this.closed(),
    });
  }

  started(message) {
    this.sampleRate = message.sample_rate;
    this.channels = message.channels;
    this.showPlan(message.plan);
    this.setStatus(`Playing (seed ${message.seed}).`);
  }

  chunk(message) {
    if (this.stoppedNow) return; // the server's own fade-out: already silent here
    const context = this.context;
    const buffer = pcmBuffer(context, message.data, message.frames, this.channels, this.sampleRate);
    if (this.offset === null) this.offset = context.currentTime + LEAD_S - this.seconds(message.start_frame);
    let when = this.timeOf(message.start_frame);
    if (when < context.currentTime + 0.01) {
      // Late: move the whole clock on, so the chunks after it still join without a gap.
      this.underruns += 1;
      this.offset += context.currentTime + 0.05 - when;
      when = this.timeOf(message.start_frame);
    }
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.gain);
    source.addEventListener("ended", () => {
      this.sources.delete(source);
      this.played += 1;
    });
    source.start(when);
    this.sources.add(source);
    this.chunks += 1;
  }

  steerFromForm() {
    const fields = {};
    const prompt = $("adaptive-prompt").value;
    const intensity = Number($("adaptive-intensity").value);
    const tempo = $("adaptive-tempo").value.trim();
    const key = $("adaptive-key").value.trim();
    if (prompt !== this.sent.prompt) fields.prompt = prompt;
    if (intensity !== this.sent.intensity) fields.intensity = intensity;
    if (tempo && Number(tempo) !== this.sent.tempo_bpm) fields.tempo_bpm = Number(tempo);
    if (key && key !== this.sent.key) fields.key = key;
    if (!Object.keys(fields).length) {
      this.setStatus("Nothing to change: edit the prompt, intensity, tempo or key first.");
      return;
    }
    this.steer(fields);
  }

  steer(fields) {
    if (!this.session) return;
    this.showError(null);
    const id = this.nextId++;
    const message = { type: "steer", id, ...fields, at: $("adaptive-at").value };
    if (!this.session.send(message)) return;
    Object.assign(this.sent, fields);
    const item = document.createElement("li");
    item.className = "pending";
    item.textContent = `${describeSteer(message)}: asked, next ${message.at}…`;
    $("adaptive-steers").prepend(item);
    this.pending.set(id, { item, message });
  }

  steered(message) {
    this.lastSteer = message;
    const asked = this.pending.get(message.id);
    this.pending.delete(message.id);
    const item = asked?.item || document.createElement("li");
    const effect = this.seconds(message.effect_frame);
    const wait = this.seconds(message.effect_frame - message.position_frame);
    item.dataset.effectFrame = String(message.effect_frame);
    item.textContent = `${asked ? describeSteer(asked.message) : "change"}: on the ${message.at} at ` +
      `${effect.toFixed(2)} s (${wait.toFixed(2)} s after it was asked)`;
    if (!asked) $("adaptive-steers").prepend(item);
    const delay = this.offset === null ? 0 : (this.timeOf(message.effect_frame) - this.context.currentTime) * 1000;
    setTimeout(() => {
      item.className = "";
      if (this.lastSteer === message) this.showPlan(message.plan); // else a later change replaced it
    }, Math.max(0, delay));
  }

  showPlan(plan) {
    const list = $("adaptive-plan");
    list.replaceChildren();
    for (const [label, value] of planLines(plan || {})) {
      const term = document.createElement("dt");
      term.textContent = label;
      const detail = document.createElement("dd");
      detail.textContent = value;
      detail.dataset.field = label.toLowerCase();
      list.append(term, detail);
    }
  }

  failure(message) {
    const { code, details } = message.error;
    // A refused key opens the page's key dialog, as a 401 answer does.
    const status = code === ErrorCode.UNAUTHORIZED ? 401 : 0;
    const error = new ApiError(message.error.message, { code, status, details });
    if (message.id !== undefined && message.id !== null) {
      // A refused steer: the music plays on.
      const asked = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (asked) {
        asked.item.className = "failed";
        asked.item.textContent = `${describeSteer(asked.message)}: not changed (${error.message})`;
      }
      this.showError(error);
      return;
    }
    this.failed = true;
    this.silence();
    this.setStatus("Not playing.");
    this.showError(error);
  }

  stop(ending) {
    if (!this.session) return;
    this.session.send({ type: "stop", ending });
    if (ending) {
      this.setStatus("Ending on the next bar…");
      return;
    }
    this.ending = true;
    this.stoppedNow = true;
    this.silence();
    this.setStatus("Stopped.");
  }

  /** Fade out what is scheduled and stop it. */
  silence() {
    const context = this.context;
    if (!context || !this.gain) return;
    const now = context.currentTime;
    this.gain.gain.setValueAtTime(this.gain.gain.value, now);
    this.gain.gain.linearRampToValueAtTime(0, now + FADE_S);
    for (const source of this.sources) {
      try {
        source.stop(now + FADE_S);
      } catch {
        // already ended
      }
    }
  }

  closed() {
    if (!this.ending && !this.failed) {
      this.silence();
      this.setStatus("The connection closed.");
    }
    this.session = null;
    this.setRunning(false);
  }
}
