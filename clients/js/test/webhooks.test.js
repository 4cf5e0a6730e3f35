'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { verifyWebhook } = require('..');

// The Standard Webhooks reference vector (also what the Python standardwebhooks library signs).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = '{"test": 2432232314}';
const HEADERS = {
  'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  'webhook-timestamp': '1614265330',
  'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const NOW = { nowMs: 1614265330 * 1000 + 1000 };

test('a correctly signed webhook verifies and parses', () => {
  assert.deepEqual(verifyWebhook(BODY, HEADERS, SECRET, NOW), { test: 2432232314 });
  assert.deepEqual(verifyWebhook(Buffer.from(BODY), new Headers(HEADERS), SECRET, NOW), { test: 2432232314 });
  const several = { ...HEADERS, 'webhook-signature': `v1,bm90IGl0 ${HEADERS['webhook-signature']}` };
  assert.deepEqual(verifyWebhook(BODY, several, SECRET, NOW), { test: 2432232314 });
});

test('a changed body, wrong secret, old timestamp or missing header is refused', () => {
  const cases = [
    [BODY.replace('2432232314', '2432232315'), HEADERS, SECRET, NOW],
    [BODY, HEADERS, 'whsec_' + Buffer.from('another secret').toString('base64'), NOW],
    [BODY, HEADERS, SECRET, { nowMs: (1614265330 + 301) * 1000 }],
    [BODY, { ...HEADERS, 'webhook-signature': undefined }, SECRET, NOW],
  ];
  for (const [body, headers, secret, now] of cases) {
    assert.throws(() => verifyWebhook(body, headers, secret, now), { code: 'INVALID_SIGNATURE' });
  }
});
