// The account's sessions (authgate's /api/sessions/): one per login, this device's marked from
// the access token's session (`current`). Ending one (DELETE /api/sessions/{id}/) or all the
// others (POST /api/sessions/logout-others/) stops their access tokens at once: the browser
// holding one is logged out at its next request.

import { ApiError } from "../api.js";
import { busy, note, when } from "../ui.js";

export default {
  name: "sessions",
  path: "/account/sessions",
  access: "user",
  title: "Sessions",
  nav: "Sessions",
  html: `
    <h1 tabindex="-1">Sessions</h1>
    <p>Where your account is logged in. End any session you do not recognise, then change your
      password.</p>
    <ul id="session-list" class="sessions" aria-label="Sessions" aria-busy="true"></ul>
    <div class="row actions">
      <button type="button" id="sessions-reload">Reload</button>
      <button type="button" id="logout-others" class="danger">Log out other sessions</button>
    </div>`,

  init(el, { session }) {
    const list = el.querySelector("#session-list");
    const actions = el.querySelector(".actions");
    el.querySelector("#sessions-reload").addEventListener("click", () =>
      busy(actions, () => load(list, session)));
    el.querySelector("#logout-others").addEventListener("click", () =>
      busy(actions, async () => {
        const res = await session.authorized("POST", "/api/sessions/logout-others/");
        await load(list, session);
        const n = res?.revoked ?? 0;
        note(n === 0 ? "There were no other sessions." :
          n === 1 ? "1 other session has been logged out." : `${n} other sessions have been logged out.`);
        el.querySelector("h1").focus();
      }));
    list.addEventListener("click", (ev) => {
      const button = ev.target.closest("button[data-id]");
      if (!button) return;
      busy(button.closest("li"), async () => {
        let gone = false;
        try {
          await session.authorized("DELETE", `/api/sessions/${encodeURIComponent(button.dataset.id)}/`);
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
          gone = true; // it ended meanwhile (logged out, expired)
        }
        await load(list, session);
        note(gone ? "That session had ended already." : "The session has been ended: that device is logged out.");
        el.querySelector("h1").focus(); // its button is gone
      });
    });
  },

  async show(el, params, { session }) {
    await load(el.querySelector("#session-list"), session);
  },
};

async function load(list, session) {
  list.setAttribute("aria-busy", "true");
  try {
    const sessions = await session.authorized("GET", "/api/sessions/");
    // This device first, then the most recently used.
    sessions.sort((a, b) => b.current - a.current || b.last_used_at.localeCompare(a.last_used_at));
    list.replaceChildren(...sessions.map(item));
    list.closest("section").querySelector("#logout-others").hidden = !sessions.some((s) => !s.current);
  } finally {
    list.removeAttribute("aria-busy");
  }
}

// item is one session: what the browser and address were, when it logged in and was last used,
// and a button to end it (not for this device: "Log out" does that).
function item(s) {
  const li = document.createElement("li");
  li.className = s.current ? "session current" : "session";
  li.dataset.id = s.id;
  const about = document.createElement("div");
  const what = document.createElement("p");
  what.className = "session-what";
  what.id = `session-${s.id}`;
  what.textContent = device(s.user_agent);
  what.title = s.user_agent;
  if (s.current) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "This device";
    what.append(" ", badge);
  }
  const details = document.createElement("p");
  details.className = "muted small";
  details.textContent = `${s.client_ip || "unknown address"} · logged in ${short(s.created_at)} · ` +
    `last active ${short(s.last_used_at)}`;
  details.title = `logged in ${when(s.created_at)}, last active ${when(s.last_used_at)}, ` +
    `ends ${when(s.expires_at)} unless renewed`;
  about.append(what, details);
  li.append(about);
  if (!s.current) {
    const end = document.createElement("button");
    end.type = "button";
    end.className = "danger";
    end.dataset.id = s.id;
    end.textContent = "End this session";
    end.setAttribute("aria-describedby", what.id);
    li.append(end);
  }
  return li;
}

/** device names a browser from its User-Agent, roughly: "Firefox on Linux". */
export function device(ua) {
  if (!ua) return "Unknown browser";
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" :
    /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : ua.split(/[\s/]/)[0];
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" :
    /Mac OS X/.test(ua) ? "macOS" : /Linux|X11/.test(ua) ? "Linux" : "";
  return os ? `${browser} on ${os}` : browser;
}

// short is a time of today as "today, 11:29 PM", another as "Dec 6, 2026, 9:05 AM".
function short(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (d.toDateString() === new Date().toDateString()) {
    return "today, " + d.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }
  return d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}
