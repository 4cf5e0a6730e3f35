// Listen while it is made: /ws/stream chunks scheduled back to back on an AudioContext.
import { ApiError, api, openStream } from "./api.js";

const $ = (id) => document.getElementById(id);

/**
 * Generate over the WebSocket and play each chunk as it arrives.
 * @param {object} body The generate request.
 * @param {AudioContext} context A running context (made inside the click).
 * @param {{setStatus, showError, finish, setRunning, refresh, chunkPlayed}} page What the page does.
 */
export function streamPiece(body, context, page) {
  const section = $("live");
  section.hidden = false;
  const sources = [];
  let next = 0;
  let total = 1;
  let channels = 2;
  let sampleRate = 44100;
  let done = false;
  const stopSound = () => sources.forEach((source) => { try { source.stop(); } catch { /* ended */ } });
  const stream = openStream({ ...body, chunk_s: 0.5 }, {
    started(message) {
      channels = message.channels;
      sampleRate = message.sample_rate;
      total = Math.max(1, Math.round(body.duration * sampleRate));
      next = context.currentTime + 0.2;
      page.setStatus("Generating and playing…", 0);
    },
    audio_chunk(message) {
      const bytes = Uint8Array.from(atob(message.data), (c) => c.charCodeAt(0));
      const pcm = new Int16Array(bytes.buffer, 0, message.frames * channels);
      const buffer = context.createBuffer(channels, message.frames, sampleRate);
      for (let c = 0; c < channels; c++) {
        const out = buffer.getChannelData(c);
        for (let i = 0; i < message.frames; i++) out[i] = pcm[i * channels + c] / 32768;
      }
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      const when = Math.max(next, context.currentTime + 0.05);
      source.start(when);
      next = when + buffer.duration;
      sources.push(source);
      page.chunkPlayed();
      const fraction = (message.start_frame + message.frames) / total;
      page.setStatus(`Generating and playing… ${Math.round(fraction * 100)}%`, fraction);
      $("live-status").textContent = `Received ${message.timestamp.toFixed(1)} s; playing as it arrives.`;
    },
    async completed(message) {
      done = true;
      $("live-status").textContent = `Streamed ${message.duration.toFixed(1)} s.`;
      try {
        const view = await api(`/generate/${message.task_id}`);
        await page.finish(view, { prompt: body.prompt });
      } catch (error) {
        page.showError(error);
      }
    },
    cancelled() {
      done = true;
      stopSound();
      page.setStatus("Cancelled.", 0);
      $("live-status").textContent = "Stopped.";
    },
    error(message) {
      done = true;
      stopSound();
      page.setStatus("Not generated.", 0);
      page.showError(new ApiError(message.error.message, { code: message.error.code }));
    },
    closed() {
      if (!done) {
        page.setStatus("The connection closed.", 0);
        stopSound();
      }
      page.setRunning(null);
      page.refresh();
    },
  });
  page.setRunning({
    cancel: () => {
      page.setStatus("Cancelling…");
      stream.cancel();
    },
  });
}
