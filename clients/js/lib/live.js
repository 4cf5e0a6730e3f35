'use strict';
/**
 * Live sessions over the API's WebSocket (`/ws/live`): endless music that follows steers.
 * Chunks are raw interleaved little-endian PCM ("pcm_s16le"), base64 in JSON messages; the
 * protocol is in the project's docs/live.md.
 */
const { MusicGenAPIError, APIConnectionError, errorFromEnvelope } = require('./errors');
const { webSocketClass, webSocketUnavailable, openSocket, Signal, ChunkReader } = require('./socket');

const STEER_FIELDS = ['prompt', 'intensity', 'tempo_bpm', 'key', 'at'];

// Unset fields are left out (the server's defaults), but loudness_lufs: null asks for the
// model's own level.
function withoutEmpty(object) {
  return Object.fromEntries(
    Object.entries(object).filter(([k, v]) => v !== undefined && (v !== null || k === 'loudness_lufs')),
  );
}

class LiveSession {
  constructor({ url, apiKey, timeoutMs }, request) {
    if (!request || typeof request.prompt !== 'string' || !request.prompt.trim()) {
      throw new MusicGenAPIError('Prompt cannot be empty', { code: 'INVALID_PROMPT', details: { field: 'prompt' } });
    }
    this._url = url;
    this._apiKey = apiKey;
    this._timeoutMs = timeoutMs;
    this._request = { type: 'start', ...withoutEmpty(request) };
    this._socket = null;
    this._chunks = [];
    this._arrived = new Signal();
    this._reader = new ChunkReader();
    this._fatal = null;
    this._opening = null;
    this._replies = new Map();
    this._stopWaiters = [];
    this._nextId = 1;
    this.sampleRate = null;
    this.channels = null;
    this.seed = null;
    /** The plan the session started with (genre, mood, tempo_bpm, key, intensity, ...). */
    this.plan = null;
    this.finished = false;
    /** Why it stopped: "client", "idle_timeout" or "max_session". */
    this.stopReason = null;
    this.endFrame = null;
  }

  _fail(error) {
    if (this._fatal) return;
    this._fatal = error;
    for (const { reject } of this._replies.values()) reject(error);
    this._replies.clear();
    for (const { reject } of this._stopWaiters) reject(error);
    this._stopWaiters = [];
    this._arrived.wake();
  }

  _onMessage(text) {
    let message;
    try { message = JSON.parse(text); } catch {
      this._fail(new MusicGenAPIError('The server sent a message that is not JSON', { code: 'PROTOCOL_ERROR' }));
      return;
    }
    switch (message.type) {
      case 'started':
        this.sampleRate = message.sample_rate;
        this.channels = message.channels;
        this.seed = message.seed;
        this.plan = message.plan;
        if (this._started) this._started();
        break;
      case 'audio_chunk':
        try {
          this._chunks.push(this._reader.read(message, this));
        } catch (error) {
          this._fail(error);
          return;
        }
        this._arrived.wake();
        break;
      case 'steered': {
        const pending = this._replies.get(message.id);
        if (pending) { this._replies.delete(message.id); pending.resolve(message); }
        break;
      }
      case 'error': {
        const error = errorFromEnvelope(message.error || {});
        if ('id' in message) {
          // A refused steer or message: the music plays on.
          const pending = this._replies.get(message.id);
          if (pending) { this._replies.delete(message.id); pending.reject(error); }
        } else {
          this._fail(error);
        }
        break;
      }
      case 'stopping':
        this.endFrame = message.end_frame;
        this.stopReason = message.reason;
        for (const { resolve } of this._stopWaiters) resolve(message.end_frame);
        this._stopWaiters = [];
        break;
      case 'stopped':
        this.stopReason = message.reason || this.stopReason;
        this.finished = true;
        this._arrived.wake();
        break;
      default:
        break; // pong and future message types
    }
  }

  /** Connect and start; resolves once the server has started the session. */
  open() {
    if (this._opening) return this._opening;
    const found = webSocketClass();
    if (!found) return Promise.reject(webSocketUnavailable('Live sessions need'));
    this._opening = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new APIConnectionError(`No start within ${this._timeoutMs} ms`, { code: 'TIMEOUT' })), this._timeoutMs);
      this._started = () => { clearTimeout(timer); resolve(this); };
      this._rejectOpen = (error) => { clearTimeout(timer); reject(error); };
      this._socket = openSocket(found, { url: this._url, apiKey: this._apiKey, first: this._request, label: 'Live' }, {
        message: (text) => {
          this._onMessage(text);
          if (this._fatal) this._rejectOpen(this._fatal);
        },
        failure: (error) => {
          this._fail(error);
          this._rejectOpen(this._fatal);
        },
        close: (code) => {
          if (!this.finished) {
            this._fail(new APIConnectionError(`The live connection closed (code ${code}) before the session stopped`, { code: 'CONNECTION_ERROR' }));
            this._rejectOpen(this._fatal);
          }
        },
      });
    });
    return this._opening;
  }

  async *[Symbol.asyncIterator]() {
    await this.open();
    try {
      for (;;) {
        while (this._chunks.length) yield this._chunks.shift();
        if (this.finished) return;
        if (this._fatal) throw this._fatal;
        if (!(await this._arrived.wait(this._timeoutMs))) {
          this._fail(new APIConnectionError(`No live message for ${this._timeoutMs} ms`, { code: 'TIMEOUT' }));
        }
      }
    } finally {
      this.close();
    }
  }

  /**
   * Change what plays: `{prompt, intensity, tempo_bpm, key, at}`. Resolves to the server's
   * `steered` message ({effect_frame, transition_frame, position_frame, at, plan}); rejects
   * with the error when the server refuses the steer (the music plays on).
   */
  async steer(change = {}) {
    await this.open();
    if (this._fatal) throw this._fatal;
    const id = this._nextId++;
    const fields = Object.fromEntries(STEER_FIELDS.filter((k) => change[k] !== undefined && change[k] !== null).map((k) => [k, change[k]]));
    const reply = new Promise((resolve, reject) => this._replies.set(id, { resolve, reject }));
    this._socket.send(JSON.stringify({ type: 'steer', id, ...fields }));
    return reply;
  }

  /** End the session with a musical ending (default) or at once; resolves to the end frame. */
  async stop({ ending = true } = {}) {
    await this.open();
    if (this.endFrame !== null) return this.endFrame;
    const stopped = new Promise((resolve, reject) => this._stopWaiters.push({ resolve, reject }));
    this._socket.send(JSON.stringify({ type: 'stop', ending }));
    return stopped;
  }

  /** Close the connection (the server stops the session). */
  close() {
    if (this._socket && this._socket.readyState <= 1) this._socket.close();
  }
}

module.exports = { LiveSession };
