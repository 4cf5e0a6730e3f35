'use strict';
/**
 * What the stream (`/ws/stream`) and live (`/ws/live`) clients share: finding a WebSocket,
 * opening a connection whose failures arrive as the API's errors, waiting for messages, and
 * decoding the `audio_chunk` messages both send (base64 of interleaved little-endian 16-bit PCM).
 */
const { MusicGenAPIError, APIConnectionError, errorFromEnvelope, parseRetryAfter } = require('./errors');

/** Largest message the `ws` package accepts, in bytes (a long chunk of stereo PCM in base64). */
const MAX_PAYLOAD_BYTES = 64 * 2 ** 20;

/** The WebSocket class to use: the global one (Node 22+, browsers) or the optional `ws`. */
function webSocketClass() {
  if (typeof globalThis.WebSocket === 'function') return { Socket: globalThis.WebSocket, isWs: false };
  try {
    return { Socket: require('ws'), isWs: true };
  } catch {
    return null;
  }
}

/** The error for a runtime without a WebSocket; `subject` says what needs one ("Streaming needs"). */
function webSocketUnavailable(subject) {
  return new MusicGenAPIError(
    `${subject} a WebSocket: use Node 22+ or install the optional package \`ws\``,
    { code: 'WEBSOCKET_UNAVAILABLE' },
  );
}

/**
 * Open a WebSocket (`found` from webSocketClass()) to `url` and send `first` once it is open.
 * Browser-style WebSockets cannot send headers, so there the key goes in `first` as `token`.
 * `on.message(text)` gets each message, `on.failure(error)` a refused handshake or a failed
 * connection (`label` starts its message: "Stream", "Live"), `on.close(code)` the close.
 */
function openSocket(found, { url, apiKey, first, label }, on) {
  const { Socket, isWs } = found;
  const headers = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
  if (!isWs && apiKey) first.token = apiKey;
  const socket = isWs ? new Socket(url, { headers, maxPayload: MAX_PAYLOAD_BYTES }) : new Socket(url);
  if (isWs) {
    socket.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (part) => { body += part; });
      res.on('end', () => {
        let error = null;
        try { error = JSON.parse(body).error; } catch { error = null; }
        on.failure(errorFromEnvelope(error || { message: `WebSocket handshake refused with HTTP ${res.statusCode}` }, {
          status: res.statusCode, retryAfterMs: parseRetryAfter(res.headers['retry-after']),
        }));
        req.destroy();
      });
    });
  }
  socket.addEventListener('open', () => socket.send(JSON.stringify(first)));
  socket.addEventListener('message', (event) => on.message(String(event.data)));
  socket.addEventListener('error', (event) => on.failure(
    new APIConnectionError(`${label} connection failed: ${event.message || 'error'}`, { code: 'CONNECTION_ERROR' }),
  ));
  socket.addEventListener('close', (event) => on.close(event.code));
  return socket;
}

/** One waiter at a time for "something arrived": wait() resolves on wake() or after a timeout. */
class Signal {
  constructor() {
    this._waiter = null;
  }

  wake() {
    if (this._waiter) { const wake = this._waiter; this._waiter = null; wake(); }
  }

  /** Resolves to true when woken, false when `ms` passed first. */
  wait(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this._waiter = null; resolve(false); }, ms);
      this._waiter = () => { clearTimeout(timer); resolve(true); };
    });
  }
}

/** Decodes a session's `audio_chunk` messages, which must arrive in order. */
class ChunkReader {
  constructor() {
    this.nextSeq = 0;
    this.nextFrame = 0;
  }

  /** The chunk `message` carries in the format `started` announced; throws when out of order. */
  read(message, { sampleRate, channels }) {
    if (message.seq !== this.nextSeq) {
      throw new MusicGenAPIError(`Chunk ${message.seq} arrived where ${this.nextSeq} was due`, { code: 'PROTOCOL_ERROR' });
    }
    const pcm = Buffer.from(message.data, 'base64');
    const frames = pcm.length / 2 / channels;
    const startFrame = message.start_frame ?? this.nextFrame;
    this.nextSeq += 1;
    this.nextFrame = startFrame + frames;
    return {
      seq: message.seq, pcm, frames, startFrame, channels,
      sampleRate, timestamp: message.timestamp ?? startFrame / sampleRate,
      /** Interleaved 16-bit samples (a view of `pcm`, copied to keep alignment). */
      samples: new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length)),
    };
  }
}

module.exports = { webSocketClass, webSocketUnavailable, openSocket, Signal, ChunkReader };
