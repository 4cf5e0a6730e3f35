'use strict';
// A scripted music-gen API on node:http: tasks finish after a set number of polls.
const http = require('node:http');

const KEY = 'mg_test_key';

/** A mono 16-bit WAV file of `frames` frames (a ramp), for downloads. */
function wavBytes(frames = 800, rate = 8000) {
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i += 1) data.writeInt16LE((i * 37) % 30000 - 15000, i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + data.length, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22); header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34); header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

function envelope(res, status, code, message, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message, details: { why: code } } }));
}

async function startFakeApi({ pollsToFinish = 2, failTasks = false, eta = 0.1 } = {}) {
  const state = { requests: [], scripted: {}, tasks: {}, pollsToFinish, failTasks, wav: wavBytes() };
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const part of req) body += part;
    const url = new URL(req.url, 'http://x');
    state.requests.push({ method: req.method, path: url.pathname, query: url.search, headers: req.headers, body });
    const route = `${req.method} ${url.pathname}`;
    const queue = state.scripted[route];
    if (queue && queue.length) return queue.shift()(res);
    if (!url.pathname.endsWith('/health') && req.headers.authorization !== `Bearer ${KEY}`) {
      return envelope(res, 401, 'UNAUTHORIZED', 'Invalid API key');
    }
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const json = (status, data) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(data)); };
    const newTask = (request) => {
      const id = `t${Object.keys(state.tasks).length + 1}`;
      state.tasks[id] = { task_id: id, status: 'queued', eta, request, polls: 0 };
      return state.tasks[id];
    };
    const pub = (t) => Object.fromEntries(Object.entries(t).filter(([k]) => !['request', 'polls'].includes(k)));
    if (route === 'POST /api/v1/generate') return json(202, pub(newTask(JSON.parse(body))));
    if (route === 'POST /api/v1/generate/batch') {
      const ids = JSON.parse(body).requests.map((r) => newTask(r).task_id);
      return json(202, { batch_id: 'b1', task_ids: ids });
    }
    if (route === 'POST /api/v1/multi-instrument') {
      const request = JSON.parse(body);
      const task = newTask({ prompt: 'multi', ...request });
      task.stems = Object.fromEntries(Object.keys(request.instruments).map((n) => [n, `/api/v1/files/${task.task_id}-${n}.wav`]));
      return json(202, pub(task));
    }
    if (path.startsWith('/generate/')) {
      const cancel = req.method === 'POST' && path.endsWith('/cancel');
      const task = state.tasks[path.replace(/\/cancel$/, '').split('/').pop()];
      if (!task) return envelope(res, 404, 'NOT_FOUND', 'No such task');
      if (cancel) { task.status = 'cancelled'; return json(200, pub(task)); }
      if (['queued', 'processing'].includes(task.status)) {
        task.polls += 1;
        task.status = 'processing';
        if (task.polls >= state.pollsToFinish) {
          if (state.failTasks) {
            task.status = 'failed';
            task.error = { code: 'GENERATION_FAILED', message: 'engine broke', details: {} };
          } else {
            Object.assign(task, {
              status: 'completed', audio_url: `/api/v1/files/${task.task_id}.wav`, duration: 0.1,
              metadata: { seed: 7, prompt: task.request.prompt },
            });
          }
        }
      }
      return json(200, pub(task));
    }
    if (path.startsWith('/files/')) {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      return res.end(state.wav);
    }
    if (path === '/models') return json(200, { models: [{ name: 'composer' }] });
    if (path === '/health') return json(200, { status: 'ok' });
    return envelope(res, 404, 'NOT_FOUND', `No route ${route}`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${server.address().port}/api/v1`;
  return { state, baseUrl, close: () => new Promise((resolve) => server.close(resolve)) };
}

module.exports = { startFakeApi, envelope, wavBytes, KEY };
