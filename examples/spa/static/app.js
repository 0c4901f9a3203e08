// The page: four views (loading, log in, e-mailed code, account) over a Session.

import { Api, ApiError } from "./api.js";
import { Session, SessionEnded } from "./session.js";

const $ = (id) => document.getElementById(id);

const modeLabels = {
  cookie: "Refresh token in an HttpOnly cookie, access token in memory",
  localstorage: "Tokens in localStorage (the tutorial's way)",
};

let session;
let challenge = "";
let ticker = 0;

start();

async function start() {
  let cfg;
  try {
    const resp = await fetch("/config.json", { cache: "no-store" });
    cfg = await resp.json();
  } catch {
    show("login");
    fail(new Error("This app's /config.json could not be read."));
    return;
  }
  $("api").textContent = cfg.api;
  $("mode").textContent = modeLabels[cfg.mode] ?? cfg.mode;
  const api = new Api(cfg.api, cfg.mode === "cookie" ? "include" : "omit");
  session = new Session(api, cfg.mode);
  session.addEventListener("change", () => {
    renderToken();
    if ($("error").dataset.source === "renewal") clearMessages(); // renewed after all
  });
  session.addEventListener("ended", (ev) => {
    showLogin();
    note(ev.detail.message);
  });
  session.addEventListener("trouble", (ev) => {
    fail(new Error(`Could not renew the session (${ev.detail.message}) Trying again shortly.`));
    $("error").dataset.source = "renewal";
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") session.renewIfDue();
  });
  wire();
  try {
    const user = await session.restore();
    if (user) showAccount(user);
    else showLogin();
  } catch (err) {
    showLogin();
    fail(err);
  }
}

function wire() {
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const email = $("email").value.trim();
    const password = $("password").value;
    if (!email || !password) {
      fail(new Error("Enter your e-mail and password."));
      return;
    }
    busy(ev.currentTarget, async () => {
      const res = await session.login(email, password);
      $("password").value = "";
      if (res.challenge) {
        challenge = res.challenge;
        $("code-hint").textContent = `Enter the code authgate sent to ${email}.`;
        $("code").value = "";
        show("code");
      } else {
        showAccount(res);
      }
    });
  });
  $("code-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = $("code").value.replace(/\s+/g, "");
    if (!code) {
      fail(new Error("Enter the code from the e-mail."));
      return;
    }
    busy(ev.currentTarget, async () => {
      try {
        showAccount(await session.verifyCode(challenge, code));
        challenge = "";
      } catch (err) {
        // A spent or expired challenge cannot be retried: start again from the password.
        if (err instanceof ApiError && ["challenge_invalid", "too_many_attempts"].includes(err.code)) {
          showLogin();
        }
        throw err;
      }
    });
  });
  $("resend").addEventListener("click", (ev) =>
    busy(ev.currentTarget.form, async () => note(await session.resendCode(challenge))));
  $("code-back").addEventListener("click", () => {
    challenge = "";
    showLogin();
  });
  $("reload").addEventListener("click", (ev) =>
    busy(ev.currentTarget.parentElement, async () => {
      showAccount(await session.me());
      note("Profile reloaded.");
    }));
  $("logout").addEventListener("click", (ev) => busy(ev.currentTarget.parentElement, () => session.logout(false)));
  $("logout-all").addEventListener("click", (ev) => busy(ev.currentTarget.parentElement, () => session.logout(true)));
}

// busy runs an action with the container's buttons disabled, and reports what goes wrong.
async function busy(container, action) {
  const buttons = [...container.querySelectorAll("button")];
  buttons.forEach((b) => (b.disabled = true));
  container.setAttribute("aria-busy", "true");
  clearMessages();
  try {
    await action();
  } catch (err) {
    if (!(err instanceof SessionEnded)) fail(err); // "ended" already showed its message
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    container.removeAttribute("aria-busy");
  }
}

function show(name) {
  for (const view of document.querySelectorAll("[data-view]")) view.hidden = view.id !== `view-${name}`;
  const view = $(`view-${name}`);
  const first = view.querySelector("input:not([type=hidden])") ?? view.querySelector("h1");
  first.focus();
  clearInterval(ticker);
  if (name === "account") ticker = setInterval(renderToken, 1000);
}

function showLogin() {
  show("login");
  $("login-form").reset();
  $("email").focus();
}

function showAccount(user) {
  $("user-email").textContent = user.email;
  $("user-id").textContent = user.id;
  $("user-2fa").textContent = user.two_factor_enabled ? "On" : "Off";
  $("user-joined").textContent = when(user.date_joined);
  $("user-last-login").textContent = user.last_login ? when(user.last_login) : "—";
  renderToken();
  if ($("view-account").hidden) show("account");
}

function renderToken() {
  const el = $("token-status");
  el.dataset.refreshes = String(session.refreshes);
  el.dataset.nextRefresh = String(session.nextRefreshAt);
  if (!session.signedIn) {
    el.textContent = "";
    return;
  }
  const secs = Math.max(0, Math.round((session.nextRefreshAt - Date.now()) / 1000));
  const times = session.refreshes === 1 ? "once" : `${session.refreshes} times`;
  el.textContent = `Access token renewed ${times} so far; next renewal in ${secs} s.`;
}

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

function note(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

function fail(err) {
  $("error").textContent = err.message || String(err);
  $("error").dataset.source = "";
  $("error").hidden = false;
}

function clearMessages() {
  note("");
  $("error").textContent = "";
  $("error").dataset.source = "";
  $("error").hidden = true;
}
