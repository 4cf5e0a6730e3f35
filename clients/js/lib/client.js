'use strict';
const { randomUUID } = require('node:crypto');
const {
  MusicGenAPIError, APIConnectionError, RateLimitError, errorFromResponse, parseRetryAfter,
} = require('./errors');
const { GenerationResult, TERMINAL, FORMATS, raiseForTask, formatOf, stemUrls } = require('./results');
const { AudioStream } = require('./stream');
const { LiveSession } = require('./live');

const DEFAULT_BASE_URL = 'http://localhost:8000/api/v1';
const RETRY_STATUSES = new Set([429, 503]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const DEFAULTS = {
  timeoutMs: 30000, maxRetries: 3, maxRetryWaitMs: 60000, pollIntervalMs: 250, pollBackoff: 1.5,
  maxPollIntervalMs: 5000, waitTimeoutMs: 900000,
};

/** Wait before retry `attempt + 1`: the server's Retry-After, else 500 ms doubling; null = give up. */
function retryDelayMs(attempt, retryAfterMs, maxWaitMs) {
  const delay = retryAfterMs ?? 500 * 2 ** attempt;
  return delay > maxWaitMs ? null : delay;
}

/** Capped exponential poll interval, stretched towards the task's eta (still capped). */
function pollDelayMs(polls, etaMs, { pollIntervalMs, pollBackoff, maxPollIntervalMs }) {
  let delay = Math.min(maxPollIntervalMs, pollIntervalMs * pollBackoff ** polls);
  if (etaMs !== null && etaMs !== undefined && etaMs > delay) delay = Math.min(maxPollIntervalMs, etaMs);
  return delay;
}

function withoutNulls(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== null));
}

function generateBody(request) {
  if (!request || typeof request.prompt !== 'string' || !request.prompt.trim()) {
    throw new MusicGenAPIError('Prompt cannot be empty', { code: 'INVALID_PROMPT', details: { field: 'prompt' } });
  }
  if (request.format !== undefined && request.format !== null && !FORMATS.includes(request.format)) {
    throw new MusicGenAPIError(`Unsupported audio format ${request.format}; supported: ${FORMATS.join(', ')}`, {
      code: 'INVALID_PARAMETER', details: { field: 'format' },
    });
  }
  return withoutNulls(request);
}

/**
 * Client of the music-gen-ai REST API.
 *
 * @example
 * const client = new MusicGenAPI({ apiKey: 'KEY', baseUrl: 'http://localhost:8000/api/v1' });
 * const result = await client.generate({ prompt: 'Jazz piano', duration: 30 });
 * await result.save('jazz.wav');
 */
class MusicGenAPI {
  constructor(options = {}) {
    const env = (typeof process !== 'undefined' && process.env) || {};
    this.apiKey = options.apiKey ?? env.MUSICGEN_API_KEY ?? null;
    const baseUrl = String(options.baseUrl || env.MUSICGEN_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(baseUrl)) {
      throw new MusicGenAPIError(`baseUrl must start with http:// or https://, got ${baseUrl}`, {
        code: 'INVALID_PARAMETER', details: { field: 'baseUrl' },
      });
    }
    this.baseUrl = baseUrl;
    this.options = { ...DEFAULTS, ...withoutNulls(options) };
    this._fetch = options.fetch || globalThis.fetch;
    this._sleep = options.sleep || ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  _url(pathOrUrl) {
    return /^[a-z]+:\/\//i.test(pathOrUrl) ? pathOrUrl : this.baseUrl + pathOrUrl;
  }

  _headersFor(url, extra = {}) {
    const headers = { Accept: 'application/json', ...extra };
    // The key goes only to the API's own origin, never to a CDN an audio_url may point at.
    if (this.apiKey && new URL(url).origin === new URL(this.baseUrl).origin) {
      headers.Authorization = `Bearer ${this.apiKey}`;
    }
    return headers;
  }

  /**
   * Send a request with bounded retries on 429/503 (honouring Retry-After) and refused connections.
   * A POST carries a fresh Idempotency-Key, the same on each try, so a retry (after a timeout
   * too) gets the first answer instead of creating a second task.
   */
  async _send(method, pathOrUrl, { json, query } = {}) {
    let url = this._url(pathOrUrl);
    if (query) {
      const target = new URL(url);
      for (const [k, v] of Object.entries(withoutNulls(query))) target.searchParams.set(k, v);
      url = target.toString();
    }
    const extra = json ? { 'Content-Type': 'application/json' } : {};
    if (method === 'POST') extra['Idempotency-Key'] = randomUUID();
    const init = { method, headers: this._headersFor(url, extra) };
    if (json !== undefined) init.body = JSON.stringify(json);
    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await this._fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs) });
      } catch (cause) {
        const timedOut = cause && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
        // A refused or unresolvable connection never reached the server: safe to resend.
        const refused = !timedOut && NOT_SENT.has(cause && cause.cause && cause.cause.code);
        const retryable = attempt < this.options.maxRetries
          && (refused || IDEMPOTENT.has(method) || method === 'POST');
        const wait = retryable ? retryDelayMs(attempt, null, this.options.maxRetryWaitMs) : null;
        if (wait === null) {
          throw new APIConnectionError(
            timedOut ? `${method} ${url} timed out after ${this.options.timeoutMs} ms`
              : `Could not reach the music-gen API at ${url}: ${(cause && cause.cause && cause.cause.code) || cause}`,
            { code: timedOut ? 'TIMEOUT' : 'CONNECTION_ERROR', details: { url } },
          );
        }
        await this._sleep(wait);
        continue;
      }
      if (response.status < 400) return response;
      if (RETRY_STATUSES.has(response.status) && attempt < this.options.maxRetries) {
        const wait = retryDelayMs(
          attempt, parseRetryAfter(response.headers.get('retry-after')), this.options.maxRetryWaitMs,
        );
        if (wait !== null) {
          await response.arrayBuffer();
          await this._sleep(wait);
          continue;
        }
      }
      throw await errorFromResponse(response);
    }
  }

  async _json(method, path, options) {
    const response = await this._send(method, path, options);
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new MusicGenAPIError(`${method} ${path} answered ${response.status} without JSON`, {
        code: 'PROTOCOL_ERROR', status: response.status,
      });
    }
  }

  /** Queue a generation and return at once: {task_id, status, eta}. */
  submit(request) {
    return this._json('POST', '/generate', { json: generateBody(request) });
  }

  /** The current state of a task. */
  task(taskId) {
    return this._json('GET', `/generate/${encodeURIComponent(taskId)}`);
  }

  /** Cancel a queued or running task. */
  cancel(taskId) {
    return this._json('POST', `/generate/${encodeURIComponent(taskId)}/cancel`);
  }

  /** Poll a task (capped exponential backoff, stretched towards its eta) until it is done. */
  async wait(taskId, first = null) {
    const started = Date.now();
    let etaAt = null; // the eta is a moment: later polls may not repeat it
    let task = first || await this.task(taskId);
    for (let polls = 0; !TERMINAL.has(task.status); polls += 1) {
      const now = Date.now();
      if (typeof task.eta === 'number') etaAt = now + task.eta * 1000;
      const left = this.options.waitTimeoutMs - (now - started);
      if (left <= 0) {
        throw new APIConnectionError(`Task ${taskId} still ${task.status} after ${this.options.waitTimeoutMs} ms`, {
          code: 'TIMEOUT', details: { task_id: taskId, status: task.status },
        });
      }
      const etaMs = etaAt === null ? null : etaAt - now;
      await this._sleep(Math.min(left, pollDelayMs(polls, etaMs, this.options)));
      task = await this.task(taskId);
    }
    return task;
  }

  /** Download a task's audio (or any audio_url) as a GenerationResult. */
  async download(task, audioUrl, format = null) {
    const url = new URL(audioUrl, `${this.baseUrl}/`).toString();
    const response = await this._send('GET', url, { query: format ? { format } : null });
    const data = Buffer.from(await response.arrayBuffer());
    return new GenerationResult({
      taskId: task.task_id, data, format: formatOf(response, format), audioUrl: url,
      duration: task.duration ?? null, metadata: task.metadata || {},
    });
  }

  async _finish(task, format = null) {
    raiseForTask(task);
    if (!task.audio_url) {
      throw new MusicGenAPIError(`Task ${task.task_id} completed without an audio_url`, { code: 'PROTOCOL_ERROR' });
    }
    return this.download(task, task.audio_url, format);
  }

  /** Wait for a task and download its audio. */
  async result(taskId, format = null) {
    return this._finish(await this.wait(taskId), format);
  }

  /**
   * Generate a piece: submit, wait, download.
   * @param {object} request {prompt, duration, temperature, top_k, top_p, seed, model, format}
   */
  async generate(request) {
    const submitted = await this.submit(request);
    const task = await this.wait(submitted.task_id, submitted);
    return this._finish(task, request.format);
  }

  /** Generate several pieces; resolves to {batchId, taskIds, results} in request order. */
  async generateBatch(requests, { raiseOnError = true } = {}) {
    if (!Array.isArray(requests) || !requests.length) {
      throw new MusicGenAPIError('requests must be a non-empty array', { code: 'INVALID_PARAMETER' });
    }
    const items = requests.map((r) => generateBody(typeof r === 'string' ? { prompt: r } : r));
    const submitted = await this._json('POST', '/generate/batch', { json: { requests: items } });
    const outcomes = await Promise.allSettled(
      submitted.task_ids.map((id, i) => this.result(id, items[i].format)),
    );
    const results = outcomes.map((o) => {
      if (o.status === 'fulfilled') return o.value;
      if (raiseOnError || !(o.reason instanceof MusicGenAPIError)) throw o.reason;
      return o.reason;
    });
    return { batchId: submitted.batch_id, taskIds: submitted.task_ids, results };
  }

  /** The state of a batch. */
  batch(batchId) {
    return this._json('GET', `/generate/batch/${encodeURIComponent(batchId)}`);
  }

  /**
   * One stem per instrument plus their mix: resolves to {taskId, mix, stems: {name: result}, metadata}.
   * @param {object} request {instruments: {name: prompt}, duration, mix_preset}
   */
  async multiInstrument(request) {
    if (!request || !request.instruments || !Object.keys(request.instruments).length) {
      throw new MusicGenAPIError('instruments must map instrument names to prompts', { code: 'INVALID_PARAMETER' });
    }
    const submitted = await this._json('POST', '/multi-instrument', { json: withoutNulls(request) });
    const task = await this.wait(submitted.task_id, submitted);
    const mix = await this._finish(task);
    const entries = Object.entries(stemUrls(task));
    const stems = await Promise.all(entries.map(([, url]) => this.download(task, url)));
    return {
      taskId: task.task_id, mix, metadata: task.metadata || {},
      stems: Object.fromEntries(entries.map(([name], i) => [name, stems[i]])),
    };
  }

  /** The server's models. */
  async models() {
    const data = await this._json('GET', '/models');
    return Array.isArray(data) ? data : data.models;
  }

  /** The server's health report. */
  health() {
    return this._json('GET', '/health');
  }

  /**
   * Generate over the WebSocket; `for await` the returned stream for PCM chunks.
   * Needs Node 22+ (global WebSocket) or the optional `ws` package.
   */
  stream(request) {
    const url = this.baseUrl.replace(/^http/, 'ws') + '/ws/stream';
    return new AudioStream({ url, apiKey: this.apiKey, timeoutMs: this.options.timeoutMs }, generateBody(request));
  }

  /**
   * Start a live session: endless music that follows `steer()` (`/ws/live`). The request is
   * `{prompt, intensity?, seed?, chunk_s?, model?, temperature?, top_k?, top_p?}`; the
   * session connects on first use (`open()`, iteration, `steer()`).
   * Needs Node 22+ (global WebSocket) or the optional `ws` package.
   */
  live(request) {
    const url = this.baseUrl.replace(/^http/, 'ws') + '/ws/live';
    return new LiveSession({ url, apiKey: this.apiKey, timeoutMs: this.options.timeoutMs }, request);
  }
}

module.exports = { MusicGenAPI, retryDelayMs, pollDelayMs, RateLimitError };
