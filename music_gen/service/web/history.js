// The account's tasks, newest first, a page at a time: open, download, reuse, delete.
import { api, auth, download } from "./api.js";

const PAGE = 10;
const $ = (id) => document.getElementById(id);

/** What a task asked for, in one line. */
export function describe(task) {
  if (task.prompt) return task.prompt;
  return task.instruments ? Object.entries(task.instruments).map(([k, v]) => `${k}: ${v}`).join(" · ") : "";
}

export class History {
  /**
   * @param {{open(task): Promise<void>, use(task): void, deleted(taskId): void,
   *          error(error): void}} actions What the page does for each button.
   */
  constructor(actions) {
    this.actions = actions;
    this.cursor = null;
    this.list = $("history-list");
  }

  /** Load the first page again (`reset`) or the next one. */
  async load(reset) {
    if (auth.required && !auth.key) return;
    const cursor = reset ? null : this.cursor;
    const query = `limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await api(`/tasks?${query}`);
    if (reset) this.list.replaceChildren();
    for (const task of page.tasks) this.list.append(this.item(task));
    this.cursor = page.next_cursor;
    $("history-more").hidden = !page.next_cursor;
    this.updateEmpty();
  }

  clear() {
    this.list.replaceChildren();
    this.cursor = null;
  }

  updateEmpty() {
    $("history-empty").hidden = this.list.children.length > 0;
  }

  item(task) {
    const { actions } = this;
    const item = document.createElement("li");
    item.dataset.taskId = task.task_id;
    const what = describe(task);
    const when = new Date(task.created_at).toLocaleString();
    item.innerHTML = `<div><div class="what"></div><div class="meta"><span class="status-${task.status}"></span></div></div>
      <div class="actions"></div>`;
    item.querySelector(".what").textContent = what || "(no prompt)";
    item.querySelector(".meta span").textContent = task.status;
    item.querySelector(".meta").append(
      ` · ${task.model} · ${task.kind === "multi" ? "stems · " : ""}${(task.duration ?? 0).toFixed(1)} s · ${when}`,
    );
    const buttons = item.querySelector(".actions");
    const label = what.slice(0, 40);
    const add = (text, handler, extraClass = "") => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `ghost ${extraClass}`;
      button.textContent = text;
      button.setAttribute("aria-label", `${text}: ${label}`);
      button.addEventListener("click", () => handler(button));
      buttons.append(button);
      return button;
    };
    if (task.status === "completed") {
      add("Open", () => actions.open(task).catch((error) => actions.error(error)));
      add("Download", () => download(task.audio_url).catch((error) => actions.error(error)));
    }
    add("Use settings", () => actions.use(task));
    add("Delete", async (button) => {
      // Two clicks: the first arms the button for a few seconds.
      if (button.dataset.armed !== "true") {
        button.dataset.armed = "true";
        button.textContent = "Really delete?";
        setTimeout(() => {
          button.dataset.armed = "false";
          button.textContent = "Delete";
        }, 4000);
        return;
      }
      try {
        await api(`/tasks/${task.task_id}`, { method: "DELETE" });
        item.remove();
        this.updateEmpty();
        actions.deleted(task.task_id);
        $("history-refresh").focus();
      } catch (error) {
        actions.error(error);
      }
    }, "danger");
    return item;
  }
}
