'use strict';
// Live sessions: the protocol against a scripted WebSocket server (needs the optional `ws`
// package), and against a real server when tests/service/test_live_session_server.py passes
// MUSICGEN_LIVE_SESSION_BASE_URL and MUSICGEN_LIVE_SESSION_API_KEY.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const MusicGenAPI = require('..');
const { webSocketClass } = require('../lib/socket');

let ws = null;
try { ws = require('ws'); } catch { ws = null; }
const skip = ws ? false : 'the optional package `ws` is not installed';

async function scriptedServer(onMessage) {
  const server = http.createServer();
  const wss = new ws.WebSocketServer({ noServer: true });
  const seen = [];
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      client.on('message', (data) => {
        const message = JSON.parse(String(data));
        seen.push(message);
        onMessage(client, message);
      });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    seen,
    baseUrl: `http://127.0.0.1:${server.address().port}/api/v1`,
    close: () => new Promise((resolve) => { wss.close(); server.close(resolve); }),
  };
}

function chunk(seq, startFrame) {
  const pcm = Buffer.alloc(8);
  pcm.writeInt16LE(seq + 1, 0);
  return JSON.stringify({ type: 'audio_chunk', seq, data: pcm.toString('base64'), start_frame: startFrame, frames: 2, timestamp: 0 });
}

test('steers are answered, refused steers reject and the music plays on', { skip }, async (t) => {
  let seq = 0;
  const send = (client) => { client.send(chunk(seq, seq * 2)); seq += 1; };
  const server = await scriptedServer((client, message) => {
    if (message.type === 'start') {
      client.send(JSON.stringify({ type: 'started', sample_rate: 8000, channels: 2, encoding: 'pcm_s16le', seed: 9, plan: { key: 'C major' } }));
      send(client);
    } else if (message.type === 'steer' && message.intensity > 1) {
      send(client);
      client.send(JSON.stringify({ type: 'error', id: message.id, error: { code: 'INVALID_PARAMETER', message: 'intensity must be a number from 0 to 1', details: { field: 'intensity' } } }));
    } else if (message.type === 'steer') {
      send(client);
      client.send(JSON.stringify({ type: 'steered', id: message.id, effect_frame: 88200, transition_frame: 66150, position_frame: 100, at: message.at, plan: { key: message.key } }));
    } else if (message.type === 'stop') {
      client.send(JSON.stringify({ type: 'stopping', reason: 'client', end_frame: 8 }));
      send(client);
      client.send(JSON.stringify({ type: 'stopped', reason: 'client', frames: 8 }));
      client.close(1000);
    }
  });
  t.after(server.close);
  const client = new MusicGenAPI({ apiKey: 'good', baseUrl: server.baseUrl });
  const live = client.live({ prompt: 'calm exploration', intensity: 0.3, seed: 9 });
  await live.open();
  assert.deepEqual(server.seen[0], { type: 'start', prompt: 'calm exploration', intensity: 0.3, seed: 9 });
  assert.equal(live.sampleRate, 8000);
  assert.equal(live.plan.key, 'C major');
  await assert.rejects(live.steer({ intensity: 5 }), { code: 'INVALID_PARAMETER' });
  const steered = await live.steer({ key: 'E minor', at: 'beat', prompt: undefined });
  assert.equal(steered.effect_frame, 88200);
  assert.equal(steered.plan.key, 'E minor');
  assert.deepEqual(server.seen[2], { type: 'steer', id: 2, key: 'E minor', at: 'beat' });
  assert.equal(await live.stop({ ending: true }), 8);
  const chunks = [];
  for await (const c of live) chunks.push(c);
  assert.deepEqual(chunks.map((c) => [c.seq, c.startFrame, c.samples[0]]), [[0, 0, 1], [1, 2, 2], [2, 4, 3], [3, 6, 4]]);
  assert.equal(live.stopReason, 'client');
  assert.ok(live.finished);
});

test('a refused start rejects with the envelope', { skip }, async (t) => {
  const server = await scriptedServer((client) => {
    client.send(JSON.stringify({ type: 'error', error: { code: 'UNSUPPORTED_OPERATION', message: 'cannot play live', details: {} } }));
    client.close(1008);
  });
  t.after(server.close);
  const live = new MusicGenAPI({ apiKey: 'good', baseUrl: server.baseUrl }).live({ prompt: 'x', model: 'test-tone' });
  await assert.rejects(live.open(), { code: 'UNSUPPORTED_OPERATION' });
  assert.throws(() => new MusicGenAPI({ baseUrl: server.baseUrl }).live({ prompt: ' ' }), { code: 'INVALID_PROMPT' });
});

const baseUrl = process.env.MUSICGEN_LIVE_SESSION_BASE_URL;
const apiKey = process.env.MUSICGEN_LIVE_SESSION_API_KEY;
const noServer = baseUrl && apiKey ? false : 'no server (MUSICGEN_LIVE_SESSION_BASE_URL / _API_KEY)';

test('a live session against the real server', { skip: noServer || (webSocketClass() ? false : 'no WebSocket') }, async () => {
  const live = new MusicGenAPI({ apiKey, baseUrl }).live({ prompt: 'upbeat funk', seed: 6, intensity: 0.4 });
  const chunks = [];
  for await (const c of live) {
    chunks.push(c);
    if (chunks.length === 4) {
      await assert.rejects(live.steer({ at: 'soon', intensity: 0.5 }), { code: 'INVALID_PARAMETER' });
      const steered = await live.steer({ intensity: 1, key: 'D minor', at: 'beat' });
      assert.equal(steered.plan.key, 'D minor');
      assert.ok(steered.effect_frame >= steered.transition_frame);
      await live.stop({ ending: false });
    }
  }
  const frames = chunks.reduce((n, c) => n + c.frames, 0);
  assert.equal(frames, live.endFrame);
  assert.deepEqual(chunks.map((c) => c.seq), chunks.map((_, i) => i));
});

test('the start message sends loudness_lufs null (the model level) and leaves out unset fields', { skip }, async (t) => {
  const server = await scriptedServer((client, message) => {
    client.send(JSON.stringify({ type: 'error', error: { code: 'RATE_LIMITED', message: 'later', details: { retry_after: 1 } } }));
    client.close(1013);
  });
  t.after(server.close);
  const client = new MusicGenAPI({ apiKey: 'good', baseUrl: server.baseUrl });
  await assert.rejects(client.live({ prompt: 'calm', loudness_lufs: null, model: null }).open());
  await assert.rejects(client.live({ prompt: 'calm', loudness_lufs: -20 }).open());
  await assert.rejects(client.live({ prompt: 'calm' }).open());
  assert.deepEqual(server.seen, [
    { type: 'start', prompt: 'calm', loudness_lufs: null },
    { type: 'start', prompt: 'calm', loudness_lufs: -20 },
    { type: 'start', prompt: 'calm' },
  ]);
});
