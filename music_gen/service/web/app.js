// The studio page: generate, listen, look at the notes and the plan, mix the stems, history.
import { LivePanel } from "./adaptive.js";
import { ApiError, api, auth, download, fetchFile, saveBlob } from "./api.js";
import { streamPiece } from "./live.js";
import { parseMidi } from "./midi.js";
import { StemMixer, encodeWav } from "./mixer.js";
import { StemPanel } from "./stems.js";
import { History, describe } from "./history.js";
import { PianoRoll, Waveform, colorFor } from "./views.js";

const $ = (id) => document.getElementById(id);
const TERMINAL = ["completed", "failed", "cancelled"];
const POLL_MS = 300;
const DEFAULT_PARTS = [
  ["piano", "gentle chords"],
  ["bass", "walking bass"],
  ["drums", "soft brushes"],
];

const state = {
  models: new Map(),
  defaultModel: "",
  running: null, // {cancel()} while a generation runs
  audioContext: null,
  current: null, // the task shown in the result view
  objectUrl: null,
  streamedChunks: 0,
  partCount: 0,
};
const wave = new Waveform($("waveform"));
const roll = new PianoRoll($("roll"));
const mixer = new StemMixer();
const stems = new StemPanel(mixer, { decode: decodeAudio, downloadButton: (...args) => downloadButton(...args) });
const player = $("player");
const livePanel = new LivePanel({ audioContext, showError });
const history = new History({
  async open(task) {
    await showResult(task);
    $("result-title").scrollIntoView({ block: "start" });
    player.focus();
  },
  use: (task) => fillForm(task),
  deleted(taskId) {
    if (state.current?.task_id !== taskId) return;
    $("result").hidden = true;
    $("stems").hidden = true;
    stopStems();
    player.removeAttribute("src");
  },
  error: (error) => showError(error),
});

/** The page's one AudioContext, made (or resumed) inside a user gesture. */
function audioContext() {
  if (!state.audioContext) state.audioContext = new AudioContext();
  if (state.audioContext.state === "suspended") state.audioContext.resume();
  return state.audioContext;
}

function decodeAudio(bytes) {
  // An offline context decodes without asking for audio output (no autoplay warning).
  return new OfflineAudioContext(2, 1, 44100).decodeAudioData(bytes);
}

// --- messages ----------------------------------------------------------------------------

function showError(error, box = $("error")) {
  if (error instanceof ApiError && error.status === 401 && auth.required) {
    openKeyDialog(error.message);
    return;
  }
  box.textContent = error.message || String(error);
  box.hidden = false;
}

function clearError(box = $("error")) {
  box.hidden = true;
  box.textContent = "";
}

function setStatus(text, progress) {
  $("status").textContent = text;
  if (progress !== undefined) $("progress").value = progress;
}

// --- API key -----------------------------------------------------------------------------

function openKeyDialog(message) {
  const dialog = $("key-dialog");
  $("key-input").value = "";
  const box = $("key-error");
  box.hidden = !message;
  box.textContent = message || "";
  if (!dialog.open) dialog.showModal();
  $("key-input").focus();
}

function wireKeyDialog() {
  const dialog = $("key-dialog");
  $("key-button").addEventListener("click", () => openKeyDialog());
  $("key-close").addEventListener("click", () => dialog.close());
  $("key-forget").addEventListener("click", () => {
    auth.key = "";
    dialog.close();
    history.clear();
    updateKeyButton();
  });
  $("key-form").addEventListener("submit", (event) => {
    const input = $("key-input");
    if (!input.checkValidity()) {
      event.preventDefault();
      showError(new Error("That is not an API key: keys look like mgk_<12 hex>_<secret>."), $("key-error"));
      return;
    }
    auth.key = input.value.trim();
    updateKeyButton();
    loadAll();
  });
}

function updateKeyButton() {
  const button = $("key-button");
  if (!auth.required) {
    button.textContent = "Local mode: no key needed";
    button.disabled = true;
  } else {
    button.textContent = auth.key ? `Key ${auth.key.slice(0, 10)}…` : "Set API key";
    button.setAttribute("aria-label", auth.key ? "Change the API key" : "Set the API key");
  }
}

// --- form --------------------------------------------------------------------------------

async function loadModels() {
  const { models } = await api("/models");
  const select = $("model");
  select.replaceChildren();
  state.models.clear();
  for (const model of models) {
    state.models.set(model.name, model);
    const size = model.size && model.size !== "n/a" ? ` · ${model.size}` : "";
    const label = model.available ? `${model.name}${size}` : `${model.name} — unavailable: ${model.reason}`;
    const option = new Option(label, model.name);
    option.disabled = !model.available;
    option.title = model.available ? model.description : model.reason;
    select.add(option);
  }
  const usable = models.filter((m) => m.available);
  const preferred = usable.find((m) => m.name === state.defaultModel) || usable[0];
  if (preferred) select.value = preferred.name;
  describeModel();
}

function describeModel() {
  const model = state.models.get($("model").value);
  const unavailable = [...state.models.values()].filter((m) => !m.available);
  const lines = [];
  if (model) {
    lines.push(`${model.description} Up to ${model.max_duration_s} s.`);
    $("duration").max = String(model.max_duration_s);
  }
  if (unavailable.length) {
    lines.push(`Not available here: ${unavailable.map((m) => `${m.name} (${m.reason})`).join("; ")}.`);
  }
  $("model-note").textContent = lines.join(" ");
}

async function loadPresets() {
  const { presets } = await api("/mix-presets");
  const select = $("mix-preset");
  select.replaceChildren(new Option("Default", ""));
  for (const preset of presets) {
    const option = new Option(preset.name.replaceAll("_", " "), preset.name);
    option.title = preset.description;
    select.add(option);
  }
}

function addPart(name = "", what = "") {
  const index = ++state.partCount;
  const row = document.createElement("div");
  row.className = "part";
  row.innerHTML = `
    <div><label for="part-name-${index}">Instrument</label>
      <input id="part-name-${index}" class="part-name" maxlength="64" placeholder="piano"></div>
    <div><label for="part-what-${index}">What it plays</label>
      <input id="part-what-${index}" class="part-what" maxlength="500" placeholder="gentle chords"></div>
    <button type="button" class="ghost remove">Remove</button>`;
  row.querySelector(".part-name").value = name;
  row.querySelector(".part-what").value = what;
  const remove = row.querySelector(".remove");
  remove.setAttribute("aria-label", `Remove part ${name || index}`);
  remove.addEventListener("click", () => {
    row.remove();
    $("add-part").focus();
  });
  $("parts").append(row);
  return row;
}

function numberOrNull(id) {
  const value = $(id).value.trim();
  return value === "" ? null : Number(value);
}

/** The request the form describes, and where it goes. */
function readForm() {
  const common = {
    duration: Number($("duration").value),
    temperature: Number($("temperature").value),
    top_k: Number($("top-k").value),
    top_p: Number($("top-p").value),
    seed: numberOrNull("seed"),
    model: $("model").value || null,
    format: $("format").value,
  };
  if (!$("use-stems").checked) {
    return { kind: "generate", body: { prompt: $("prompt").value, ...common } };
  }
  const style = $("prompt").value.trim();
  const instruments = {};
  [...$("parts").querySelectorAll(".part")].forEach((row, index) => {
    const name = row.querySelector(".part-name").value.trim();
    const what = row.querySelector(".part-what").value.trim() || style;
    // The style prompt goes with the first part: the piece is planned from all parts' words.
    instruments[name] = index === 0 && style ? `${style}, ${what}` : what;
  });
  return {
    kind: "multi",
    body: { instruments, mix_preset: $("mix-preset").value || null, ...common },
  };
}

function fillForm(task) {
  $("prompt").value = task.prompt || "";
  if (task.seed !== null && task.seed !== undefined) $("seed").value = task.seed;
  if (state.models.get(task.model)?.available) $("model").value = task.model;
  if (task.duration) $("duration").value = Math.round(task.duration * 100) / 100;
  $("format").value = task.format;
  $("use-stems").checked = Boolean(task.instruments);
  toggleBand();
  if (task.instruments) {
    $("parts").replaceChildren();
    for (const [name, what] of Object.entries(task.instruments)) addPart(name, what);
  }
  describeModel();
  $("prompt").focus();
}

function toggleBand() {
  const on = $("use-stems").checked;
  $("band-body").hidden = !on;
  $("listen-live").disabled = on;
  if (on) $("listen-live").checked = false;
  if (on && !$("parts").children.length) DEFAULT_PARTS.forEach(([n, w]) => addPart(n, w));
}

function setRunning(running) {
  state.running = running;
  $("generate-button").disabled = Boolean(running);
  $("cancel-button").disabled = !running;
}

async function onSubmit(event) {
  event.preventDefault();
  if (state.running) return;
  clearError();
  const { kind, body } = readForm();
  const live = kind === "generate" && $("listen-live").checked;
  // Made here, inside the click, so that the browser lets it play.
  const context = live ? audioContext() : null;
  setStatus("Submitting…", 0);
  if (live) {
    state.streamedChunks = 0;
    streamPiece(body, context, {
      setStatus,
      showError,
      finish,
      setRunning,
      refresh: () => history.load(true).catch(() => {}),
      chunkPlayed: () => {
        state.streamedChunks += 1;
      },
    });
    return;
  }
  setRunning({ cancel: () => {} });
  try {
    const accepted = await api(kind === "multi" ? "/multi-instrument" : "/generate", { method: "POST", body });
    setRunning({
      cancel: async () => {
        setStatus("Cancelling…");
        await api(`/generate/${accepted.task_id}/cancel`, { method: "POST" });
      },
    });
    setStatus(`Queued (about ${Math.max(1, Math.round(accepted.eta))} s)…`, 0);
    history.load(true).catch(() => {});
    const view = await pollTask(accepted.task_id);
    await finish(view, kind === "multi" ? { instruments: body.instruments } : { prompt: body.prompt });
  } catch (error) {
    setStatus("Not generated.", 0);
    showError(error);
  } finally {
    setRunning(null);
  }
}

async function pollTask(taskId) {
  for (;;) {
    const view = await api(`/generate/${taskId}`);
    if (TERMINAL.includes(view.status)) return view;
    const percent = Math.round(view.progress * 100);
    setStatus(view.status === "queued" ? "Queued…" : `Generating… ${percent}%`, view.progress);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function finish(view, asked) {
  history.load(true).catch(() => {});
  if (view.status === "completed") {
    setStatus(`Done: ${view.duration.toFixed(1)} s in ${(view.engine_s ?? 0).toFixed(1)} s.`, 1);
    await showResult({ ...view, ...asked });
  } else if (view.status === "failed") {
    setStatus("Failed.", 0);
    showError(new Error(view.error?.message || "The generation failed"));
  } else {
    setStatus("Cancelled.", 0);
  }
}

// --- result ------------------------------------------------------------------------------

function caption(task) {
  const meta = task.metadata || {};
  const what = describe(task) || meta.params?.prompt || meta.prompt || "";
  const seed = meta.seed ?? task.seed;
  return [what && `“${what}”`, task.model, seed !== undefined && seed !== null ? `seed ${seed}` : "",
    task.duration ? `${task.duration.toFixed(1)} s` : ""].filter(Boolean).join(" · ");
}

function downloadButton(label, url, extra = "") {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "ghost";
  button.textContent = label;
  if (extra) button.setAttribute("aria-label", `${label} ${extra}`);
  button.addEventListener("click", () => download(url).catch((error) => showError(error)));
  return button;
}

async function showResult(task) {
  state.current = task;
  stopStems();
  $("result").hidden = false;
  $("result-caption").textContent = caption(task);
  const downloads = $("downloads");
  downloads.replaceChildren(downloadButton(`Download ${task.stems ? "mix" : "audio"} (${task.format})`, task.audio_url));
  if (task.midi_url) downloads.append(downloadButton("Download MIDI", task.midi_url));

  const plan = task.metadata?.plan;
  showPlan(plan);
  const parts = plan ? plan.parts.map((p) => p.name) : Object.keys(task.stems || {});
  const colorOf = (name) => colorFor(Math.max(0, parts.indexOf(name)));

  const { blob } = await fetchFile(task.audio_url);
  if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
  state.objectUrl = URL.createObjectURL(blob);
  player.src = state.objectUrl;
  wave.setBuffer(await decodeAudio(await blob.arrayBuffer()));

  await showNotes(task, plan, colorOf);
  await stems.show(task, colorOf);
}

async function showNotes(task, plan, colorOf) {
  const note = $("roll-note");
  const legend = $("legend");
  legend.replaceChildren();
  if (!task.midi_url) {
    roll.setPiece(null);
    $("roll").hidden = true;
    note.hidden = false;
    note.textContent = "This model makes audio directly: there are no notes to show.";
    return;
  }
  const { blob } = await fetchFile(task.midi_url);
  const midi = parseMidi(await blob.arrayBuffer());
  $("roll").hidden = false;
  note.hidden = true;
  const colors = midi.tracks.map((track) => colorOf(track.name));
  midi.tracks.forEach((track, index) => {
    const item = document.createElement("span");
    item.style.setProperty("--c", colors[index]);
    item.dataset.color = colors[index];
    item.textContent = `${track.name}${track.isDrum ? " (drums)" : ""}: ${track.notes.length} notes`;
    legend.append(item);
  });
  roll.setPiece({
    tracks: midi.tracks,
    colors,
    sections: plan?.sections || [],
    duration: Math.max(task.duration || 0, midi.duration),
  });
}

function showPlan(plan) {
  const list = $("plan");
  list.replaceChildren();
  $("plan-note").hidden = Boolean(plan);
  $("plan-note").textContent = plan ? "" : "This model writes no plan.";
  if (!plan) return;
  const rows = [
    ["Genre", `${plan.genre}${plan.mood ? `, ${plan.mood}` : ""}`],
    ["Key", plan.key],
    ["Tempo", `${Math.round(plan.tempo_bpm)} bpm, ${plan.meter}${plan.swing > 0 ? ", swung" : ""}`],
    ["Form", plan.form.join(" ")],
    ["Instruments", plan.parts.map((p) => `${p.name}${p.instrument && p.instrument !== p.name ? ` (${p.instrument})` : ""}`).join(", ")],
    ...plan.sections.map((s) => [`Chords ${s.label} (${s.start_s.toFixed(1)} s)`, s.chords.join(" | ")]),
  ];
  if (plan.unrecognized_words?.length) rows.push(["Words not understood", plan.unrecognized_words.join(", ")]);
  for (const [term, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (term === "Words not understood") dd.className = "words";
    list.append(dt, dd);
  }
}

function playStems() {
  player.pause();
  mixer.play(audioContext(), mixer.offset >= mixer.duration - 0.05 ? 0 : mixer.offset);
  $("stems-play").disabled = true;
  $("stems-stop").disabled = false;
}

function stopStems() {
  mixer.stop();
  $("stems-play").disabled = false;
  $("stems-stop").disabled = true;
}

// --- transport: one playhead for the waveform and the piano roll ----------------------------

function currentTime() {
  return mixer.playing ? mixer.time() : player.currentTime;
}

function seek(seconds) {
  const duration = wave.duration || player.duration || 0;
  const target = Math.max(0, Math.min(duration, seconds));
  if (mixer.playing) mixer.play(audioContext(), target);
  else {
    mixer.offset = target;
    player.currentTime = target;
  }
}

function frame() {
  const time = currentTime();
  wave.draw(time);
  roll.draw(time);
  requestAnimationFrame(frame);
}

// --- start -------------------------------------------------------------------------------

async function loadAll() {
  try {
    await Promise.all([loadModels(), loadPresets(), history.load(true)]);
  } catch (error) {
    showError(error);
  }
}

function wire() {
  wireKeyDialog();
  $("generate-form").addEventListener("submit", onSubmit);
  $("cancel-button").addEventListener("click", () => {
    Promise.resolve(state.running?.cancel()).catch((error) => showError(error));
  });
  for (const chip of document.querySelectorAll(".examples .chip")) {
    chip.addEventListener("click", () => {
      $("prompt").value = chip.textContent;
      $("prompt").focus();
    });
  }
  $("new-seed").addEventListener("click", () => {
    $("seed").value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
  });
  $("model").addEventListener("change", describeModel);
  $("use-stems").addEventListener("change", toggleBand);
  $("add-part").addEventListener("click", () => addPart().querySelector("input").focus());
  $("stems-play").addEventListener("click", playStems);
  $("stems-stop").addEventListener("click", stopStems);
  mixer.onEnded = stopStems;
  $("stems-render").addEventListener("click", async () => {
    try {
      saveBlob(encodeWav(await mixer.render()), `musicgen-${state.current.task_id.slice(0, 8)}-my-mix.wav`);
    } catch (error) {
      showError(error);
    }
  });
  player.addEventListener("play", () => {
    if (mixer.playing) stopStems();
  });
  const canvas = $("waveform");
  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    seek(((event.clientX - box.left) / box.width) * (wave.duration || 0));
  });
  canvas.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: -2, ArrowRight: 2, Home: -1e9, End: 1e9 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    seek(currentTime() + step);
  });
  $("history-refresh").addEventListener("click", () => history.load(true).catch((error) => showError(error)));
  $("history-more").addEventListener("click", () => history.load(false).catch((error) => showError(error)));
}

async function start() {
  wire();
  const config = await fetch("/studio/config.json", { cache: "no-store" }).then((r) => r.json());
  auth.required = config.auth_required;
  state.defaultModel = config.default_model;
  $("version").textContent = `music-gen-ai ${config.version}`;
  updateKeyButton();
  requestAnimationFrame(frame);
  if (auth.required && !auth.key) openKeyDialog();
  else await loadAll();
}

// For the browser's console and the tests: the live objects, read-only by convention.
window.studio = { state, mixer, roll, wave, live: livePanel, audioContext: () => state.audioContext };
start();
