'use strict';
const { MusicGenAPI, retryDelayMs, pollDelayMs } = require('./lib/client');
const errors = require('./lib/errors');
const { GenerationResult } = require('./lib/results');
const { AudioStream } = require('./lib/stream');

module.exports = MusicGenAPI;
module.exports.MusicGenAPI = MusicGenAPI;
module.exports.default = MusicGenAPI;
module.exports.GenerationResult = GenerationResult;
module.exports.AudioStream = AudioStream;
module.exports.MusicGenAPIError = errors.MusicGenAPIError;
module.exports.AuthenticationError = errors.AuthenticationError;
module.exports.NotFoundError = errors.NotFoundError;
module.exports.RateLimitError = errors.RateLimitError;
module.exports.APIConnectionError = errors.APIConnectionError;
module.exports.parseRetryAfter = errors.parseRetryAfter;
module.exports.retryDelayMs = retryDelayMs;
module.exports.pollDelayMs = pollDelayMs;
