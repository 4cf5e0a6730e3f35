'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const MusicGenAPI = require('..');
const { startFakeApi, envelope, KEY } = require('./fake-api');

const { AuthenticationError, NotFoundError, RateLimitError, APIConnectionError, MusicGenAPIError } = MusicGenAPI;

function client(api, options = {}) {
  const sleeps = [];
  const c = new MusicGenAPI({ apiKey: KEY, baseUrl: api.baseUrl, sleep: async (ms) => { sleeps.push(ms); }, ...options });
  return { c, sleeps };
}

test('generate submits, polls, downloads and saves the exact bytes', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  const { c, sleeps } = client(api);
  const result = await c.generate({ prompt: 'Jazz piano', duration: 30, seed: 7, top_k: null });
  assert.deepEqual(JSON.parse(api.state.requests[0].body), { prompt: 'Jazz piano', duration: 30, seed: 7 });
  assert.deepEqual(api.state.requests.map((r) => r.method), ['POST', 'GET', 'GET', 'GET']);
  assert.ok(api.state.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`));
  assert.equal(sleeps.length, 2);
  assert.equal(result.format, 'wav');
  assert.deepEqual(result.metadata, { seed: 7, prompt: 'Jazz piano' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-js-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = await result.save(path.join(dir, 'out', 'jazz.wav'));
  assert.deepEqual(fs.readFileSync(file), api.state.wav);
  await assert.rejects(result.save(path.join(dir, 'jazz.flac')), { code: 'INVALID_PARAMETER' });
});

test('format is requested in the body and the download query', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  const { c } = client(api);
  await c.generate({ prompt: 'Jazz piano', format: 'flac' });
  assert.equal(JSON.parse(api.state.requests[0].body).format, 'flac');
  assert.equal(api.state.requests.at(-1).query, '?format=flac');
});

test('polling backs off exponentially and is capped', async (t) => {
  const api = await startFakeApi({ pollsToFinish: 7 });
  t.after(api.close);
  const { c, sleeps } = client(api, { pollIntervalMs: 100, pollBackoff: 2, maxPollIntervalMs: 500 });
  await c.generate({ prompt: 'Slow strings' });
  assert.deepEqual(sleeps, [100, 200, 400, 500, 500, 500, 500]);
});

test('a long eta stretches the waits towards it (capped)', async (t) => {
  const api = await startFakeApi({ pollsToFinish: 2, eta: 3 });
  t.after(api.close);
  const { c, sleeps } = client(api, { pollIntervalMs: 250, maxPollIntervalMs: 5000 });
  await c.generate({ prompt: 'Long piece' });
  assert.equal(sleeps.length, 2);
  assert.ok(sleeps.every((ms) => ms > 2900 && ms <= 3000), String(sleeps));
});

test('429 and 503 are retried after Retry-After', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  api.state.scripted['GET /api/v1/models'] = [
    (res) => envelope(res, 429, 'RATE_LIMITED', 'slow down', { 'retry-after': '2' }),
    (res) => envelope(res, 503, 'UNAVAILABLE', 'busy'),
  ];
  const { c, sleeps } = client(api);
  assert.deepEqual(await c.models(), [{ name: 'composer' }]);
  assert.deepEqual(sleeps, [2000, 1000]);
});

test('retries are bounded, then a RateLimitError carries the code and Retry-After', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  api.state.scripted['POST /api/v1/generate'] = Array(10).fill(
    (res) => envelope(res, 429, 'CONCURRENCY_LIMIT', 'too many', { 'retry-after': '3' }),
  );
  const { c, sleeps } = client(api, { maxRetries: 2 });
  const error = await c.generate({ prompt: 'x' }).catch((e) => e);
  assert.ok(error instanceof RateLimitError);
  assert.equal(error.code, 'CONCURRENCY_LIMIT');
  assert.equal(error.status, 429);
  assert.equal(error.retryAfterMs, 3000);
  assert.deepEqual(sleeps, [3000, 3000]);
});

test('a Retry-After beyond maxRetryWaitMs is thrown at once', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  api.state.scripted['POST /api/v1/generate'] = [
    (res) => envelope(res, 429, 'QUOTA_EXCEEDED', 'quota used', { 'retry-after': '86400' }),
  ];
  const { c, sleeps } = client(api);
  await assert.rejects(c.generate({ prompt: 'x' }), { name: 'RateLimitError', code: 'QUOTA_EXCEEDED' });
  assert.deepEqual(sleeps, []);
});

test('errors are typed by status and carry the API code', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  const cases = [
    [(res) => envelope(res, 401, 'UNAUTHORIZED', 'bad key'), AuthenticationError, 'UNAUTHORIZED'],
    [(res) => envelope(res, 404, 'NOT_FOUND', 'gone'), NotFoundError, 'NOT_FOUND'],
    [(res) => envelope(res, 400, 'INVALID_PROMPT', 'empty'), MusicGenAPIError, 'INVALID_PROMPT'],
    [(res) => { res.writeHead(500); res.end('boom'); }, MusicGenAPIError, 'INTERNAL'],
  ];
  const { c } = client(api);
  for (const [respond, type, code] of cases) {
    api.state.scripted['GET /api/v1/generate/t9'] = [respond];
    const error = await c.task('t9').catch((e) => e);
    assert.equal(error.constructor, type);
    assert.equal(error.code, code);
  }
  const wrong = new MusicGenAPI({ apiKey: 'wrong', baseUrl: api.baseUrl });
  await assert.rejects(wrong.generate({ prompt: 'x' }), { name: 'AuthenticationError', status: 401 });
});

test('failed and cancelled tasks reject with their codes', async (t) => {
  const api = await startFakeApi({ failTasks: true });
  t.after(api.close);
  const { c } = client(api);
  await assert.rejects(c.generate({ prompt: 'x' }), { code: 'GENERATION_FAILED', message: 'engine broke' });
  const submitted = await c.submit({ prompt: 'y' });
  assert.equal((await c.cancel(submitted.task_id)).status, 'cancelled');
  await assert.rejects(c.result(submitted.task_id), { code: 'CANCELLED' });
});

test('a retried POST keeps its Idempotency-Key; each new POST gets its own', async (t) => {
  const api = await startFakeApi({ pollsToFinish: 1 });
  t.after(api.close);
  api.state.scripted['POST /api/v1/generate'] = [
    (res) => envelope(res, 503, 'SERVICE_UNAVAILABLE', 'draining', { 'retry-after': '1' }),
  ];
  const { c } = client(api);
  await c.generate({ prompt: 'Jazz piano' });
  await c.generate({ prompt: 'Jazz piano' });
  const posts = api.state.requests.filter((r) => r.method === 'POST').map((r) => r.headers['idempotency-key']);
  assert.equal(posts.length, 3);
  assert.match(posts[0], /^[0-9a-f-]{36}$/);
  assert.equal(posts[0], posts[1]);
  assert.notEqual(posts[1], posts[2]);
  const gets = api.state.requests.filter((r) => r.method === 'GET');
  assert.ok(gets.length && gets.every((r) => !('idempotency-key' in r.headers)));
});

test('a refused connection is retried then thrown as APIConnectionError', async () => {
  const api = await startFakeApi();
  const baseUrl = api.baseUrl;
  await api.close();
  const sleeps = [];
  const c = new MusicGenAPI({ apiKey: KEY, baseUrl, sleep: async (ms) => { sleeps.push(ms); } });
  const error = await c.health().catch((e) => e);
  assert.ok(error instanceof APIConnectionError);
  assert.equal(error.code, 'CONNECTION_ERROR');
  assert.deepEqual(sleeps, [500, 1000, 2000]);
});

test('batch and multi-instrument download every result', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  const { c } = client(api);
  const batch = await c.generateBatch(['Piano', { prompt: 'Guitar', duration: 20 }]);
  assert.deepEqual(batch.taskIds, ['t1', 't2']);
  assert.deepEqual(batch.results.map((r) => r.metadata.prompt), ['Piano', 'Guitar']);
  const multi = await c.multiInstrument({ instruments: { piano: 'comping', bass: 'walking' }, duration: 10, mix_preset: 'jazz_club' });
  assert.deepEqual(Object.keys(multi.stems).sort(), ['bass', 'piano']);
  assert.deepEqual(multi.stems.bass.data, api.state.wav);
  assert.deepEqual(multi.mix.data, api.state.wav);
});

test('environment variables give key and URL; bad input fails before a request', async (t) => {
  const api = await startFakeApi();
  t.after(api.close);
  process.env.MUSICGEN_API_KEY = KEY;
  process.env.MUSICGEN_BASE_URL = `${api.baseUrl}/`;
  t.after(() => { delete process.env.MUSICGEN_API_KEY; delete process.env.MUSICGEN_BASE_URL; });
  const c = new MusicGenAPI({ sleep: async () => {} });
  assert.equal(c.baseUrl, api.baseUrl);
  assert.equal((await c.health()).status, 'ok');
  await assert.rejects(c.generate({ prompt: '  ' }), { code: 'INVALID_PROMPT' });
  await assert.rejects(c.generate({ prompt: 'x', format: 'aiff' }), { code: 'INVALID_PARAMETER' });
  assert.throws(() => new MusicGenAPI({ baseUrl: 'localhost:8000' }), { code: 'INVALID_PARAMETER' });
  assert.equal(api.state.requests.length, 1);
});

test('Retry-After dates and the poll schedule', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(MusicGenAPI.parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30000);
  assert.equal(MusicGenAPI.parseRetryAfter('soon'), null);
  const opts = { pollIntervalMs: 250, pollBackoff: 2, maxPollIntervalMs: 5000 };
  assert.equal(MusicGenAPI.pollDelayMs(0, 3000, opts), 3000);
  assert.equal(MusicGenAPI.pollDelayMs(0, 45000, opts), 5000);
  assert.equal(MusicGenAPI.pollDelayMs(3, 100, opts), 2000);
});
