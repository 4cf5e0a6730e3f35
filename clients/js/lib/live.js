'use strict';
/**
 * Live sessions over the API's WebSocket (`/ws/live`): endless music that follows steers.
 * Chunks are raw interleaved little-endian PCM ("pcm_s16le"), base64 in JSON messages; the
 * protocol is in the project's docs/live.md.
 */
const { MusicGenAPIError, APIConnectionError, errorFromEnvelope, parseRetryAfter } = require('./errors');
const { webSocketClass } = require('./stream');

const STEER_FIELDS = ['prompt', 'intensity', 'tempo_bpm', 'key', 'at'];

function withoutEmpty(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== null));
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
    this._waiter = null;
    this._fatal = null;
    this._opening = null;
    this._replies = new Map();
    this._stopWaiters = [];
    this._nextId = 1;
    this._nextSeq = 0;
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

  _wake() {
    if (this._waiter) { const wake = this._waiter; this._waiter = null; wake(); }
  }

  _fail(error) {
    if (this._fatal) return;
    this._fatal = error;
    for (const { reject } of this._replies.values()) reject(error);
    this._replies.clear();
    for (const { reject } of this._stopWaiters) reject(error);
    this._stopWaiters = [];
    this._wake();
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
      case 'audio_chunk': {
        if (message.seq !== this._nextSeq) {
          this._fail(new MusicGenAPIError(`Chunk ${message.seq} arrived where ${this._nextSeq} was due`, { code: 'PROTOCOL_ERROR' }));
          return;
        }
        this._nextSeq += 1;
        const pcm = Buffer.from(message.data, 'base64');
        this._chunks.push({
          seq: message.seq, pcm, frames: pcm.length / 2 / this.channels, startFrame: message.start_frame,
          channels: this.channels, sampleRate: this.sampleRate, timestamp: message.timestamp,
          samples: new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length)),
        });
        this._wake();
        break;
      }
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
        this._wake();
        break;
      default:
        break; // pong and future message types
    }
  }

  /** Connect and start; resolves once the server has started the session. */
  open() {
    if (this._opening) return this._opening;
    const found = webSocketClass();
    if (!found) {
      return Promise.reject(new MusicGenAPIError(
        'Live sessions need a WebSocket: use Node 22+ or install the optional package `ws`',
        { code: 'WEBSOCKET_UNAVAILABLE' },
      ));
    }
    this._opening = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new APIConnectionError(`No start within ${this._timeoutMs} ms`, { code: 'TIMEOUT' })), this._timeoutMs);
      this._started = () => { clearTimeout(timer); resolve(this); };
      this._rejectOpen = (error) => { clearTimeout(timer); reject(error); };
      const { Socket, isWs } = found;
      // Browser-style WebSockets cannot send headers: the key goes in the start message.
      if (!isWs && this._apiKey) this._request.token = this._apiKey;
      const headers = this._apiKey ? { Authorization: `Bearer ${this._apiKey}` } : {};
      const socket = isWs ? new Socket(this._url, { headers, maxPayload: 64 * 2 ** 20 }) : new Socket(this._url);
      this._socket = socket;
      if (isWs) {
        socket.on('unexpected-response', (req, res) => {
          let body = '';
          res.on('data', (part) => { body += part; });
          res.on('end', () => {
            let error = null;
            try { error = JSON.parse(body).error; } catch { error = null; }
            const failure = errorFromEnvelope(error || { message: `WebSocket handshake refused with HTTP ${res.statusCode}` }, {
              status: res.statusCode, retryAfterMs: parseRetryAfter(res.headers['retry-after']),
            });
            this._fail(failure);
            this._rejectOpen(failure);
            req.destroy();
          });
        });
      }
      socket.addEventListener('open', () => socket.send(JSON.stringify(this._request)));
      socket.addEventListener('message', (event) => {
        this._onMessage(String(event.data));
        if (this._fatal) this._rejectOpen(this._fatal);
      });
      socket.addEventListener('error', (event) => {
        const error = new APIConnectionError(`Live connection failed: ${event.message || 'error'}`);
        this._fail(error);
        this._rejectOpen(this._fatal);
      });
      socket.addEventListener('close', (event) => {
        if (!this.finished) {
          this._fail(new APIConnectionError(`The live connection closed (code ${event.code}) before the session stopped`));
          this._rejectOpen(this._fatal);
        }
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
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            this._fail(new APIConnectionError(`No live message for ${this._timeoutMs} ms`, { code: 'TIMEOUT' }));
            resolve();
          }, this._timeoutMs);
          this._waiter = () => { clearTimeout(timer); resolve(); };
        });
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
