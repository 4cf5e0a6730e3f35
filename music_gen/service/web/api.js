// The REST and WebSocket API, as the page uses it. The key goes in the Authorization header
// (and, for the WebSocket, in the first message): never in a URL.

import { ErrorCode } from "./codes.js";

const KEY_STORAGE = "musicgen.apiKey";

/** An error answer of the API: `message` is the envelope's message, shown as is. */
export class ApiError extends Error {
  constructor(message, { code = ErrorCode.INTERNAL, status = 0, details = {} } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export const auth = {
  /** Whether this server wants a key (false in MUSICGEN_NO_AUTH local mode). */
  required: true,
  get key() {
    return localStorage.getItem(KEY_STORAGE) || "";
  },
  set key(value) {
    if (value) localStorage.setItem(KEY_STORAGE, value);
    else localStorage.removeItem(KEY_STORAGE);
  },
};

/** A same-origin path for an API path or for an absolute URL the server returned. */
export function apiPath(pathOrUrl) {
  if (pathOrUrl.startsWith("/api/")) return pathOrUrl;
  if (pathOrUrl.startsWith("/")) return `/api/v1${pathOrUrl}`;
  const url = new URL(pathOrUrl, location.origin);
  return url.pathname + url.search;
}

/**
 * Call the API. JSON answers come back parsed, other answers as the Response.
 * @throws {ApiError} with the server's envelope message on any error status.
 */
export async function api(path, { method = "GET", body, signal } = {}) {
  const headers = {};
  if (auth.key) headers.Authorization = `Bearer ${auth.key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(apiPath(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(`Cannot reach the server (${error.message})`, { code: ErrorCode.SERVICE_UNAVAILABLE });
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  if (!response.ok) {
    // An answer without the envelope (a proxy's, say) is known by its status alone.
    let error = { code: ErrorCode.INTERNAL, message: `${response.status} ${response.statusText}` };
    if (type.includes("json")) {
      try {
        error = (await response.json()).error || error;
      } catch {
        // Not the envelope: keep the status line.
      }
    }
    throw new ApiError(error.message, { code: error.code, status: response.status, details: error.details });
  }
  return type.includes("json") ? response.json() : response;
}

/** Fetch a file with the key; returns its bytes and the server's file name. */
export async function fetchFile(url) {
  const response = await api(url);
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : "download" };
}

/** Save a blob as a file the way a download link would. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download an API file (audio, MIDI) with the key, then save it. */
export async function download(url) {
  const { blob, filename } = await fetchFile(url);
  saveBlob(blob, filename);
}

/**
 * Open an API WebSocket at `path` and send `first` (with the key) once it is open. `handlers`
 * get the server's messages by type and `closed` when the socket closes; `send(message)`
 * sends a message while the socket is open and says whether it did.
 */
function openSocket(path, first, handlers) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/api/v1${path}`);
  socket.addEventListener("open", () => {
    const message = { ...first };
    if (auth.key) message.token = auth.key;
    socket.send(JSON.stringify(message));
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    handlers[message.type]?.(message);
  });
  socket.addEventListener("close", (event) => handlers.closed?.(event));
  return {
    send(message) {
      if (socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    close() {
      socket.close();
    },
  };
}

/**
 * Generate over /ws/stream. `handlers` get the server's messages by type (started,
 * audio_chunk, completed, cancelled, error) and `closed` when the socket closes.
 */
export function openStream(request, handlers) {
  const socket = openSocket("/ws/stream", { type: "generate", ...request }, handlers);
  return {
    cancel() {
      socket.send({ type: "cancel" });
    },
  };
}

/**
 * Play a live session over /ws/live. `handlers` get the server's messages by type
 * (started, audio_chunk, steered, stopping, stopped, error, pong) and `closed` when the
 * socket closes; `send(message)` sends a steer, stop or ping.
 */
export function openLive(request, handlers) {
  return openSocket("/ws/live", { type: "start", ...request }, handlers);
}
