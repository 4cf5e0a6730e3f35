'use strict';
// Checking webhooks a music-gen server sent you (Standard Webhooks signatures).
const crypto = require('node:crypto');
const { MusicGenAPIError } = require('./errors');

const TOLERANCE_S = 5 * 60;

function invalid(message, webhookId) {
  return new MusicGenAPIError(`Webhook signature check failed: ${message}`, {
    code: 'INVALID_SIGNATURE', status: null, details: { webhook_id: webhookId ?? null },
  });
}

/**
 * Check a webhook's signature and age; resolves to its parsed JSON body.
 *
 * @param {string|Buffer} body the raw request body, exactly as received
 * @param {object|Headers} headers the request headers (webhook-id, webhook-timestamp, webhook-signature)
 * @param {string} secret the account's whsec_... secret
 * @param {{nowMs?: number}} [options] the current time (for tests)
 * @throws {MusicGenAPIError} code INVALID_SIGNATURE when the signature, a header or the timestamp is wrong
 */
function verifyWebhook(body, headers, secret, { nowMs = Date.now() } = {}) {
  const get = (name) => (typeof headers.get === 'function' ? headers.get(name)
    : headers[name] ?? headers[Object.keys(headers).find((k) => k.toLowerCase() === name)]);
  const id = get('webhook-id');
  const timestamp = get('webhook-timestamp');
  const signatures = get('webhook-signature');
  if (!id || !timestamp || !signatures) throw invalid('missing webhook-id, webhook-timestamp or webhook-signature', id);
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) throw invalid('webhook-timestamp is not a number', id);
  if (Math.abs(nowMs / 1000 - seconds) > TOLERANCE_S) throw invalid('timestamp too old or too new', id);
  if (typeof secret !== 'string' || !secret) throw invalid('no secret given', id);
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
  const expected = crypto.createHmac('sha256', key).update(`${id}.${seconds}.${text}`).digest();
  const match = String(signatures).split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
  if (!match) throw invalid('no matching signature', id);
  return JSON.parse(text);
}

module.exports = { verifyWebhook };
