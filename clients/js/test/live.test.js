'use strict';
// Against a real `python -m music_gen serve` (started by tests/client/test_client_live.py,
// which passes MUSICGEN_LIVE_BASE_URL and MUSICGEN_LIVE_API_KEY); skipped otherwise.
const test = require('node:test');
const assert = require('node:assert/strict');
const MusicGenAPI = require('..');
const { webSocketClass } = require('../lib/socket');

const baseUrl = process.env.MUSICGEN_LIVE_BASE_URL;
const apiKey = process.env.MUSICGEN_LIVE_API_KEY;
const skip = baseUrl && apiKey ? false : 'no live server (MUSICGEN_LIVE_BASE_URL / MUSICGEN_LIVE_API_KEY)';

test('generate against the real server', { skip }, async () => {
  const client = new MusicGenAPI({ apiKey, baseUrl });
  const result = await client.generate({ prompt: 'calm piano melody', duration: 1, seed: 3 });
  assert.equal(result.format, 'wav');
  assert.equal(result.data.subarray(0, 4).toString(), 'RIFF');
  assert.equal(result.metadata.seed, 3);
  const models = await client.models();
  assert.ok(models.some((m) => m.name === 'composer'));
  await assert.rejects(new MusicGenAPI({ apiKey: 'mgk_000000000000_' + 'x'.repeat(40), baseUrl }).health().then(
    () => new MusicGenAPI({ apiKey: 'mgk_000000000000_' + 'x'.repeat(40), baseUrl }).task('x'),
  ), { name: 'AuthenticationError', code: 'UNAUTHORIZED' });
});

test('stream against the real server equals the stored file', { skip: skip || (webSocketClass() ? false : 'no WebSocket') }, async () => {
  const client = new MusicGenAPI({ apiKey, baseUrl });
  const stream = client.stream({ prompt: 'calm piano melody', duration: 1, seed: 4 });
  const pcm = await stream.toBuffer();
  assert.equal(pcm.length, 44100 * 2 * 2);
  const response = await fetch(stream.result.audio_url, { headers: { Authorization: `Bearer ${apiKey}` } });
  const wav = Buffer.from(await response.arrayBuffer());
  const dataAt = wav.indexOf('data') + 8;
  assert.ok(wav.subarray(dataAt).equals(pcm));
});
