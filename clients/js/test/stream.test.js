'use strict';
// The stream protocol against a scripted WebSocket server (needs the optional `ws` package).
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const MusicGenAPI = require('..');

let ws = null;
try { ws = require('ws'); } catch { ws = null; }
const skip = ws ? false : 'the optional package `ws` is not installed';

async function scriptedServer(script) {
  const server = http.createServer();
  const wss = new ws.WebSocketServer({ noServer: true });
  const seen = [];
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.authorization !== 'Bearer good') {
      const body = JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'Invalid API key', details: {} } });
      socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      client.on('message', (data) => { seen.push(JSON.parse(String(data))); script(client, seen); });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    seen,
    baseUrl: `http://127.0.0.1:${server.address().port}/api/v1`,
    close: () => new Promise((resolve) => { wss.close(); server.close(resolve); }),
  };
}

function pcmChunk(seq, values, startFrame) {
  const pcm = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => pcm.writeInt16LE(v, i * 2));
  return { type: 'audio_chunk', seq, data: pcm.toString('base64'), start_frame: startFrame, timestamp: startFrame / 8000 };
}

test('chunks arrive in order and concatenate to the PCM sent', { skip }, async (t) => {
  const server = await scriptedServer((client, seen) => {
    if (seen.length !== 1) return;
    client.send(JSON.stringify({ type: 'started', task_id: 't1', sample_rate: 8000, channels: 2, encoding: 'pcm_s16le' }));
    client.send(JSON.stringify(pcmChunk(0, [1, -1, 32767, -32768], 0)));
    client.send(JSON.stringify(pcmChunk(1, [5, 6], 2)));
    client.send(JSON.stringify({ type: 'completed', task_id: 't1', audio_url: '/a.wav', duration: 0.000375, metadata: { seed: 1 } }));
    client.close(1000);
  });
  t.after(server.close);
  const client = new MusicGenAPI({ apiKey: 'good', baseUrl: server.baseUrl });
  const stream = client.stream({ prompt: 'Ambient pads', duration: 2, chunk_s: 0.5 });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(server.seen[0], { type: 'generate', stream: true, prompt: 'Ambient pads', duration: 2, chunk_s: 0.5 });
  assert.deepEqual(chunks.map((c) => [c.seq, c.frames, c.startFrame]), [[0, 2, 0], [1, 1, 2]]);
  assert.deepEqual(Array.from(chunks[0].samples), [1, -1, 32767, -32768]);
  assert.equal(stream.taskId, 't1');
  assert.equal(stream.sampleRate, 8000);
  assert.equal(stream.result.audio_url, '/a.wav');
});

test('an error message rejects with a typed error', { skip }, async (t) => {
  const server = await scriptedServer((client) => {
    client.send(JSON.stringify({ type: 'error', error: { code: 'CONCURRENCY_LIMIT', message: 'busy', details: { retry_after: 5 } } }));
    client.close(1013);
  });
  t.after(server.close);
  const client = new MusicGenAPI({ apiKey: 'good', baseUrl: server.baseUrl });
  const error = await client.stream({ prompt: 'x' }).toBuffer().catch((e) => e);
  assert.ok(error instanceof MusicGenAPI.RateLimitError);
  assert.equal(error.code, 'CONCURRENCY_LIMIT');
  assert.equal(error.retryAfterMs, 5000);
});

test('a refused handshake is an AuthenticationError', { skip }, async (t) => {
  const server = await scriptedServer(() => {});
  t.after(server.close);
  const client = new MusicGenAPI({ apiKey: 'bad', baseUrl: server.baseUrl });
  await assert.rejects(client.stream({ prompt: 'x' }).toBuffer(), { name: 'AuthenticationError', status: 401 });
});

test('cancel ends the iteration when the server confirms', { skip }, async (t) => {
  const server = await scriptedServer((client, seen) => {
    const last = seen.at(-1);
    if (last.type === 'generate') {
      client.send(JSON.stringify({ type: 'started', task_id: 't2', sample_rate: 8000, channels: 1 }));
      client.send(JSON.stringify(pcmChunk(0, [1, 2, 3], 0)));
    } else if (last.type === 'cancel') {
      client.send(JSON.stringify({ type: 'cancelled', task_id: 't2' }));
      client.close(1000);
    }
  });
  t.after(server.close);
  const client = new MusicGenAPI({ apiKey: 'good', baseUrl: server.baseUrl });
  const stream = client.stream({ prompt: 'x', duration: 60 });
  let count = 0;
  for await (const chunk of stream) {
    count += chunk.frames;
    stream.cancel();
  }
  assert.equal(count, 3);
  assert.equal(stream.cancelled, true);
  assert.equal(stream.result, null);
});
