'use strict';
const fs = require('node:fs/promises');
const path = require('node:path');
const { MusicGenAPIError, errorFromEnvelope } = require('./errors');

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const FORMATS = ['wav', 'flac', 'ogg', 'mp3'];
const MIME_FORMATS = {
  'audio/wav': 'wav', 'audio/x-wav': 'wav', 'audio/wave': 'wav', 'audio/flac': 'flac',
  'audio/x-flac': 'flac', 'audio/ogg': 'ogg', 'application/ogg': 'ogg', 'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
};

/** Throw the task's error when it failed or was cancelled. */
function raiseForTask(task) {
  if (task.status === 'failed') {
    const error = { code: 'GENERATION_FAILED', message: `Task ${task.task_id} failed`, ...(task.error || {}) };
    error.details = { task_id: task.task_id, ...(error.details || {}) };
    throw errorFromEnvelope(error);
  }
  if (task.status === 'cancelled') {
    throw new MusicGenAPIError(`Task ${task.task_id} was cancelled`, {
      code: 'CANCELLED', details: { task_id: task.task_id },
    });
  }
}

/** A finished, downloaded generation. */
class GenerationResult {
  constructor({ taskId, data, format, audioUrl, duration = null, metadata = {} }) {
    this.taskId = taskId;
    /** The audio file's bytes exactly as the server sent them. */
    this.data = data;
    this.format = format;
    this.audioUrl = audioUrl;
    this.duration = duration;
    this.metadata = metadata;
  }

  /** Write the file (parent folders are created); the suffix must match `format`. */
  async save(filePath) {
    const suffix = path.extname(filePath).slice(1).toLowerCase();
    if (FORMATS.includes(suffix) && suffix !== this.format) {
      throw new MusicGenAPIError(
        `This result is ${this.format}; save it as .${this.format} or ask generate() for ` +
        `format: '${suffix}'`,
        { code: 'INVALID_PARAMETER', details: { format: this.format, path: filePath } },
      );
    }
    await fs.mkdir(path.dirname(path.resolve(filePath)), { recursive: true });
    const partial = path.join(path.dirname(filePath), `.${path.basename(filePath)}.partial`);
    await fs.writeFile(partial, this.data);
    await fs.rename(partial, filePath);
    return filePath;
  }
}

function formatOf(response, requested) {
  const mime = (response.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  if (MIME_FORMATS[mime]) return MIME_FORMATS[mime];
  if (requested) return requested;
  const suffix = new URL(response.url || 'http://x/a.wav').pathname.split('.').pop().toLowerCase();
  return FORMATS.includes(suffix) ? suffix : 'wav';
}

/** Instrument -> audio URL of a finished multi-instrument task (its `stems`). */
function stemUrls(task) {
  const urls = {};
  for (const [name, url] of Object.entries(task.stems || {})) {
    if (typeof url === 'string' && url) urls[name] = url;
  }
  if (Object.keys(urls).length) return urls;
  throw new MusicGenAPIError(`Task ${task.task_id} completed without stem URLs`, {
    code: 'PROTOCOL_ERROR', details: { task_id: task.task_id },
  });
}

module.exports = { GenerationResult, TERMINAL, FORMATS, raiseForTask, formatOf, stemUrls };
