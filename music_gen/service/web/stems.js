// The stems of a piece, one row each: mute, solo, volume and pan, heard at once through the
// live mixer, and the level of the mix as set (rendered offline).
import { fetchFile } from "./api.js";
import { levelDb } from "./mixer.js";

const $ = (id) => document.getElementById(id);

export class StemPanel {
  /**
   * @param {import("./mixer.js").StemMixer} mixer The live mixer.
   * @param {{decode(bytes): Promise<AudioBuffer>, downloadButton(label, url, extra): Element}} tools
   */
  constructor(mixer, { decode, downloadButton }) {
    this.mixer = mixer;
    this.decode = decode;
    this.downloadButton = downloadButton;
    this.levelTimer = 0;
  }

  async show(task, colorOf) {
    const section = $("stems");
    const rows = $("stem-rows");
    rows.replaceChildren();
    if (!task.stems) {
      this.mixer.setStems([]);
      section.hidden = true;
      return;
    }
    const stems = [];
    for (const [name, url] of Object.entries(task.stems)) {
      const { blob } = await fetchFile(url);
      stems.push({ name, url, color: colorOf(name), buffer: await this.decode(await blob.arrayBuffer()) });
    }
    this.mixer.setStems(stems);
    this.mixer.stems.forEach((stem, index) => rows.append(this.row(stem, index)));
    section.hidden = false;
    await this.showLevel();
  }

  row(stem, index) {
    const row = document.createElement("div");
    row.className = "stem";
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", `Stem ${stem.name}`);
    row.innerHTML = `
      <span class="name"><span class="swatch"></span></span>
      <button type="button" data-act="mute" aria-pressed="false">Mute</button>
      <button type="button" data-act="solo" aria-pressed="false">Solo</button>
      <div class="slider"><label for="volume-${index}">Volume</label>
        <input id="volume-${index}" type="range" min="0" max="1.5" step="0.01" value="1"></div>
      <div class="slider"><label for="pan-${index}">Pan</label>
        <input id="pan-${index}" type="range" min="-1" max="1" step="0.05" value="0"></div>`;
    row.querySelector(".swatch").style.setProperty("--c", stem.color);
    row.querySelector(".name").append(stem.name);
    for (const button of row.querySelectorAll("button[data-act]")) {
      const act = button.dataset.act;
      button.setAttribute("aria-label", `${act === "mute" ? "Mute" : "Solo"} ${stem.name}`);
      button.addEventListener("click", () => {
        stem[act] = !stem[act];
        button.setAttribute("aria-pressed", String(stem[act]));
        this.changed();
      });
    }
    const volume = row.querySelector(`#volume-${index}`);
    volume.setAttribute("aria-valuetext", "100%");
    volume.addEventListener("input", () => {
      stem.volume = Number(volume.value);
      volume.setAttribute("aria-valuetext", `${Math.round(stem.volume * 100)}%`);
      this.changed();
    });
    const pan = row.querySelector(`#pan-${index}`);
    pan.addEventListener("input", () => {
      stem.pan = Number(pan.value);
      pan.setAttribute("aria-valuetext", stem.pan === 0 ? "centre" : `${Math.round(Math.abs(stem.pan) * 100)}% ${stem.pan < 0 ? "left" : "right"}`);
      this.changed();
    });
    row.append(this.downloadButton("Download", stem.url, stem.name));
    return row;
  }

  changed() {
    this.mixer.update();
    clearTimeout(this.levelTimer);
    this.levelTimer = setTimeout(() => this.showLevel(), 150);
  }

  async showLevel() {
    if (!this.mixer.stems.length) return;
    const db = levelDb(await this.mixer.render());
    const output = $("stems-level");
    output.dataset.db = String(db);
    output.textContent = Number.isFinite(db) ? `Mix level ${db.toFixed(1)} dBFS` : "Mix level: silent";
  }
}
