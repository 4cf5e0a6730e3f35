'use strict';
/**
 * Streaming generation over the API's WebSocket (`/ws/stream`). Chunks are raw interleaved
 * little-endian PCM (`encoding` "pcm_s16le"), base64 in JSON messages; see the README of the music-gen-ai project.
 */
const { MusicGenAPIError, APIConnectionError, errorFromEnvelope, parseRetryAfter } = require('./errors');

/** The WebSocket class to use: the global one (Node 22+, browsers) or the optional `ws`. */
function webSocketClass() {
  if (typeof globalThis.WebSocket === 'function') return { Socket: globalThis.WebSocket, isWs: false };
  try {
    return { Socket: require('ws'), isWs: true };
  } catch {
    return null;
  }
}

class AudioStream {
  constructor({ url, apiKey, timeoutMs }, request) {
    this._url = url;
    this._apiKey = apiKey;
    this._timeoutMs = timeoutMs;
    this._request = { type: 'generate', stream: true, ...request };
    this._socket = null;
    this._events = [];
    this._waiter = null;
    this._claimed = false;
    this.taskId = null;
    this.sampleRate = null;
    this.channels = null;
    this.encoding = null;
    /** The `completed` message ({task_id, audio_url, duration, metadata}) after the last chunk. */
    this.result = null;
    this.cancelled = false;
  }

  _push(event) {
    this._events.push(event);
    if (this._waiter) { const wake = this._waiter; this._waiter = null; wake(); }
  }

  async _next() {
    const deadline = Date.now() + this._timeoutMs;
    while (!this._events.length) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new APIConnectionError(`No stream message for ${this._timeoutMs} ms`, { code: 'TIMEOUT' });
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this._waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
    return this._events.shift();
  }

  _open() {
    const found = webSocketClass();
    if (!found) {
      throw new MusicGenAPIError(
        'Streaming needs a WebSocket: use Node 22+ or install the optional package `ws`',
        { code: 'WEBSOCKET_UNAVAILABLE' },
      );
    }
    const { Socket, isWs } = found;
    const headers = this._apiKey ? { Authorization: `Bearer ${this._apiKey}` } : {};
    // Browser-style WebSockets cannot send headers: the key goes in the first message instead.
    if (!isWs && this._apiKey) this._request.token = this._apiKey;
    const socket = isWs ? new Socket(this._url, { headers, maxPayload: 64 * 2 ** 20 }) : new Socket(this._url);
    this._socket = socket;
    if (isWs) {
      socket.on('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (part) => { body += part; });
        res.on('end', () => {
          let error = null;
          try { error = JSON.parse(body).error; } catch { error = null; }
          this._push({
            error: errorFromEnvelope(error || { message: `WebSocket handshake refused with HTTP ${res.statusCode}` }, {
              status: res.statusCode, retryAfterMs: parseRetryAfter(res.headers['retry-after']),
            }),
          });
          req.destroy();
        });
      });
    }
    socket.addEventListener('open', () => socket.send(JSON.stringify(this._request)));
    socket.addEventListener('message', (event) => this._push({ message: String(event.data) }));
    socket.addEventListener('error', (event) => this._push({
      error: new APIConnectionError(`Stream connection failed: ${event.message || 'error'}`),
    }));
    socket.addEventListener('close', (event) => this._push({ closed: event.code }));
  }

  async *[Symbol.asyncIterator]() {
    if (this._claimed) throw new MusicGenAPIError('A stream can be read only once', { code: 'STREAM_CONSUMED' });
    this._claimed = true;
    this._open();
    let nextSeq = 0;
    let nextFrame = 0;
    try {
      for (;;) {
        const event = await this._next();
        if (event.error) throw event.error;
        if (event.closed !== undefined) {
          throw new APIConnectionError(
            `The stream closed (code ${event.closed}) before the generation finished`,
          );
        }
        const message = JSON.parse(event.message);
        if (message.type === 'started') {
          if (message.encoding && message.encoding !== 'pcm_s16le') {
            throw new MusicGenAPIError(`Unsupported stream encoding ${message.encoding}`, { code: 'PROTOCOL_ERROR' });
          }
          this.taskId = message.task_id;
          this.sampleRate = message.sample_rate;
          this.channels = message.channels;
          this.encoding = message.encoding || 'pcm_s16le';
        } else if (message.type === 'audio_chunk') {
          if (message.seq !== nextSeq) {
            throw new MusicGenAPIError(`Chunk ${message.seq} arrived where ${nextSeq} was due`, { code: 'PROTOCOL_ERROR' });
          }
          const pcm = Buffer.from(message.data, 'base64');
          const frames = pcm.length / 2 / this.channels;
          const startFrame = message.start_frame ?? nextFrame;
          nextSeq += 1;
          nextFrame = startFrame + frames;
          yield {
            seq: message.seq, pcm, frames, startFrame, channels: this.channels,
            sampleRate: this.sampleRate, timestamp: message.timestamp ?? startFrame / this.sampleRate,
            /** Interleaved 16-bit samples (a view of `pcm`, copied to keep alignment). */
            samples: new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length)),
          };
        } else if (message.type === 'completed') {
          this.result = message;
          return;
        } else if (message.type === 'cancelled') {
          this.cancelled = true;
          return;
        } else if (message.type === 'error') {
          throw errorFromEnvelope(message.error || {});
        }
      }
    } finally {
      this.close();
    }
  }

  /** Ask the server to stop; iteration ends when it confirms. */
  cancel() {
    if (this._socket && this._socket.readyState === 1) this._socket.send(JSON.stringify({ type: 'cancel' }));
  }

  /** Close the connection (the server cancels an unfinished generation). */
  close() {
    if (this._socket && this._socket.readyState <= 1) this._socket.close();
  }

  /** Read the whole stream: one Buffer of interleaved PCM. */
  async toBuffer() {
    const parts = [];
    for await (const chunk of this) parts.push(chunk.pcm);
    return Buffer.concat(parts);
  }
}

module.exports = { AudioStream, webSocketClass };
