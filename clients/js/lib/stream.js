'use strict';
/**
 * Streaming generation over the API's WebSocket (`/ws/stream`). Chunks are raw interleaved
 * little-endian PCM (`encoding` "pcm_s16le"), base64 in JSON messages; see the README of the music-gen-ai project.
 */
const { MusicGenAPIError, APIConnectionError, errorFromEnvelope } = require('./errors');
const { webSocketClass, webSocketUnavailable, openSocket, Signal, ChunkReader } = require('./socket');

class AudioStream {
  constructor({ url, apiKey, timeoutMs }, request) {
    this._url = url;
    this._apiKey = apiKey;
    this._timeoutMs = timeoutMs;
    this._request = { type: 'generate', stream: true, ...request };
    this._socket = null;
    this._events = [];
    this._arrived = new Signal();
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
    this._arrived.wake();
  }

  async _next() {
    const deadline = Date.now() + this._timeoutMs;
    while (!this._events.length) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new APIConnectionError(`No stream message for ${this._timeoutMs} ms`, { code: 'TIMEOUT' });
      }
      await this._arrived.wait(left);
    }
    return this._events.shift();
  }

  _open() {
    const found = webSocketClass();
    if (!found) throw webSocketUnavailable('Streaming needs');
    this._socket = openSocket(found, { url: this._url, apiKey: this._apiKey, first: this._request, label: 'Stream' }, {
      message: (text) => this._push({ message: text }),
      failure: (error) => this._push({ error }),
      close: (code) => this._push({ closed: code }),
    });
  }

  async *[Symbol.asyncIterator]() {
    if (this._claimed) throw new MusicGenAPIError('A stream can be read only once', { code: 'STREAM_CONSUMED' });
    this._claimed = true;
    this._open();
    const chunks = new ChunkReader();
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
          yield chunks.read(message, this);
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

module.exports = { AudioStream };
