// Type definitions for musicgen-api.

declare namespace MusicGenAPI {
  interface ClientOptions {
    /** Bearer key; defaults to the MUSICGEN_API_KEY environment variable. */
    apiKey?: string | null;
    /** Root of the API; defaults to MUSICGEN_BASE_URL, else http://localhost:8000/api/v1. */
    baseUrl?: string;
    /** Milliseconds one HTTP request may take (default 30000). */
    timeoutMs?: number;
    /** Resends after 429, 503 or a refused connection (default 3). */
    maxRetries?: number;
    /** Longest Retry-After waited out; longer ones are thrown (default 60000). */
    maxRetryWaitMs?: number;
    /** First poll interval (default 250); grows by pollBackoff up to maxPollIntervalMs. */
    pollIntervalMs?: number;
    pollBackoff?: number;
    maxPollIntervalMs?: number;
    /** How long generate() waits for a task (default 900000). */
    waitTimeoutMs?: number;
    /** A fetch implementation (defaults to the global fetch). */
    fetch?: typeof fetch;
    /** A sleep implementation, for tests. */
    sleep?: (ms: number) => Promise<void>;
  }

  type AudioFormat = 'wav' | 'flac' | 'ogg' | 'mp3';
  type TaskState = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

  interface GenerateRequest {
    prompt: string;
    /** Seconds. */
    duration?: number;
    temperature?: number;
    top_k?: number;
    top_p?: number;
    seed?: number;
    model?: string;
    format?: AudioFormat;
    /** https URL told about the task's events (signed; see verifyWebhook). */
    webhook?: string;
    webhook_events_filter?: Array<'start' | 'progress' | 'completed'>;
    [extra: string]: unknown;
  }

  /** Every code the server sends in its error envelope. */
  type ErrorCode =
    | 'INVALID_PROMPT'
    | 'INVALID_PARAMETER'
    | 'UNSUPPORTED_OPERATION'
    | 'UNAUTHORIZED'
    | 'NOT_FOUND'
    | 'MODEL_NOT_FOUND'
    | 'METHOD_NOT_ALLOWED'
    | 'IDEMPOTENCY_CONFLICT'
    | 'RANGE_NOT_SATISFIABLE'
    | 'RATE_LIMITED'
    | 'CONCURRENCY_LIMIT'
    | 'QUOTA_EXCEEDED'
    | 'INTERNAL'
    | 'GENERATION_FAILED'
    | 'CANCELLED'
    | 'MODEL_UNAVAILABLE'
    | 'SERVICE_UNAVAILABLE';
  /** Codes of errors the SDK finds itself: no server sends them. */
  type ClientErrorCode =
    | 'CONNECTION_ERROR'
    | 'TIMEOUT'
    | 'PROTOCOL_ERROR'
    | 'STREAM_CONSUMED'
    | 'INVALID_SIGNATURE'
    | 'WEBSOCKET_UNAVAILABLE';

  interface ErrorBody {
    code: ErrorCode;
    message: string;
    details: Record<string, unknown>;
  }

  interface Task {
    task_id: string;
    status: TaskState;
    progress?: number;
    eta?: number;
    audio_url?: string | null;
    duration?: number | null;
    metadata?: Record<string, unknown>;
    error?: ErrorBody | null;
    [field: string]: unknown;
  }

  interface MultiInstrumentRequest {
    instruments: Record<string, string>;
    duration?: number;
    mix_preset?: string;
    [extra: string]: unknown;
  }

  interface BatchResult {
    batchId: string;
    taskIds: string[];
    /** In request order; failed entries hold their error when raiseOnError is false. */
    results: Array<GenerationResult | MusicGenAPIError>;
  }

  interface MultiInstrumentResult {
    taskId: string;
    mix: GenerationResult;
    stems: Record<string, GenerationResult>;
    metadata: Record<string, unknown>;
  }

  interface StreamChunk {
    seq: number;
    /** Raw interleaved little-endian 16-bit PCM. */
    pcm: Buffer;
    /** The same samples as an Int16Array (interleaved). */
    samples: Int16Array;
    frames: number;
    startFrame: number;
    channels: number;
    sampleRate: number;
    /** Start of the chunk in seconds of audio. */
    timestamp: number;
  }

  interface StreamCompleted {
    type: 'completed';
    task_id: string;
    audio_url: string;
    duration: number;
    metadata: Record<string, unknown>;
  }

  class GenerationResult {
    taskId: string;
    /** The audio file's bytes as the server sent them. */
    data: Buffer;
    format: AudioFormat;
    audioUrl: string;
    duration: number | null;
    metadata: Record<string, unknown>;
    /** Write the file; the suffix must match `format`. Resolves to the path. */
    save(path: string): Promise<string>;
  }

  class AudioStream implements AsyncIterable<StreamChunk> {
    taskId: string | null;
    sampleRate: number | null;
    channels: number | null;
    encoding: string | null;
    result: StreamCompleted | null;
    cancelled: boolean;
    [Symbol.asyncIterator](): AsyncIterator<StreamChunk>;
    cancel(): void;
    close(): void;
    /** Read the whole stream as one Buffer of interleaved PCM. */
    toBuffer(): Promise<Buffer>;
  }

  interface LiveRequest {
    prompt: string;
    /** 0..1 at the start (density, dynamics, register, drums, layers); default 0.5. */
    intensity?: number;
    seed?: number;
    /** Seconds per chunk, 0.05..1 (default 0.25). */
    chunk_s?: number;
    /** A model that plays live (the composer). */
    model?: string;
    /** Loudness at intensity 0.5 in LUFS (true peak at most -1 dBTP); null: the model's own level; default -14. */
    loudness_lufs?: number | null;
    temperature?: number;
    top_k?: number;
    top_p?: number;
  }

  interface LiveSteer {
    prompt?: string;
    intensity?: number;
    tempo_bpm?: number;
    /** "E minor", "F# major", "Bb", "D dorian". */
    key?: string;
    /** Where the change lands; default "bar". */
    at?: 'beat' | 'bar' | 'phrase';
  }

  interface LiveSteered {
    type: 'steered';
    id: number;
    /** First frame of the new music. */
    effect_frame: number;
    /** First frame the transition (fill, pivot chord, tempo ramp) changes. */
    transition_frame: number;
    /** Playback position (frames since the first chunk) when the steer arrived. */
    position_frame: number;
    at: 'beat' | 'bar' | 'phrase';
    plan: Record<string, unknown>;
  }

  class LiveSession implements AsyncIterable<StreamChunk> {
    sampleRate: number | null;
    channels: number | null;
    seed: number | null;
    plan: Record<string, unknown> | null;
    finished: boolean;
    stopReason: 'client' | 'idle_timeout' | 'max_session' | null;
    endFrame: number | null;
    open(): Promise<LiveSession>;
    [Symbol.asyncIterator](): AsyncIterator<StreamChunk>;
    /** Rejects with the server's error when it refuses the steer; the music plays on. */
    steer(change: LiveSteer): Promise<LiveSteered>;
    /** Resolves to the frame the stream ends at; keep iterating for the last chunks. */
    stop(options?: { ending?: boolean }): Promise<number>;
    close(): void;
  }

  class MusicGenAPIError extends Error {
    /** The class's own code unless the answer carried another (or one newer than the SDK). */
    static code: ErrorCode | ClientErrorCode;
    code: ErrorCode | ClientErrorCode | (string & {});
    status: number | null;
    details: Record<string, unknown>;
  }
  class AuthenticationError extends MusicGenAPIError {}
  class NotFoundError extends MusicGenAPIError {}
  class APIConnectionError extends MusicGenAPIError {}
  class RateLimitError extends MusicGenAPIError {
    retryAfterMs: number | null;
  }
  /** The error class of each code the server sends. */
  const ERROR_CLASSES: Readonly<Record<ErrorCode, typeof MusicGenAPIError>>;

  /** Check a webhook's Standard Webhooks signature and age; returns its parsed JSON body. */
  function verifyWebhook(
    body: string | Buffer,
    headers: Record<string, string | undefined> | Headers,
    secret: string,
    options?: { nowMs?: number },
  ): any;
  function parseRetryAfter(value: string | null | undefined, now?: number): number | null;
  function retryDelayMs(attempt: number, retryAfterMs: number | null, maxWaitMs: number): number | null;
  function pollDelayMs(
    polls: number,
    etaMs: number | null,
    options: { pollIntervalMs: number; pollBackoff: number; maxPollIntervalMs: number },
  ): number;
}

declare class MusicGenAPI {
  constructor(options?: MusicGenAPI.ClientOptions);
  apiKey: string | null;
  baseUrl: string;
  submit(request: MusicGenAPI.GenerateRequest): Promise<MusicGenAPI.Task>;
  task(taskId: string): Promise<MusicGenAPI.Task>;
  cancel(taskId: string): Promise<MusicGenAPI.Task>;
  wait(taskId: string, first?: MusicGenAPI.Task | null): Promise<MusicGenAPI.Task>;
  result(taskId: string, format?: MusicGenAPI.AudioFormat | null): Promise<MusicGenAPI.GenerationResult>;
  generate(request: MusicGenAPI.GenerateRequest): Promise<MusicGenAPI.GenerationResult>;
  generateBatch(
    requests: Array<MusicGenAPI.GenerateRequest | string>,
    options?: { raiseOnError?: boolean },
  ): Promise<MusicGenAPI.BatchResult>;
  batch(batchId: string): Promise<Record<string, unknown>>;
  multiInstrument(request: MusicGenAPI.MultiInstrumentRequest): Promise<MusicGenAPI.MultiInstrumentResult>;
  models(): Promise<Array<Record<string, unknown>>>;
  health(): Promise<Record<string, unknown>>;
  stream(request: MusicGenAPI.GenerateRequest): MusicGenAPI.AudioStream;
  live(request: MusicGenAPI.LiveRequest): MusicGenAPI.LiveSession;
}

export = MusicGenAPI;
