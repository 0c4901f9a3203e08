// The account's overview: who is logged in (/api/me/ and Djoser's users/me/ for the names), the
// access token's renewals, and logging out.

import { $, busy, note, when } from "../ui.js";

let ticker = 0;

export default {
  name: "account",
  path: "/account",
  access: "user",
  title: "Your account",
  nav: "Overview",
  html: `
    <h1 tabindex="-1">You are logged in</h1>
    <dl class="profile">
      <dt>E-mail</dt><dd id="user-email"></dd>
      <dt>Name</dt><dd id="user-name"></dd>
      <dt>User id</dt><dd id="user-id" class="mono"></dd>
      <dt>Two-factor login</dt><dd id="user-2fa"></dd>
      <dt>Member since</dt><dd id="user-joined"></dd>
      <dt>Last login</dt><dd id="user-last-login"></dd>
    </dl>
    <p id="token-status" class="token-status" data-refreshes="0" data-next-refresh="0"></p>
    <div class="row actions">
      <button type="button" id="reload">Reload profile</button>
      <button type="button" id="logout">Log out</button>
      <button type="button" id="logout-all" class="danger">Log out everywhere</button>
    </div>`,

  init(el, app) {
    const { session } = app;
    const actions = el.querySelector(".actions");
    session.addEventListener("change", () => {
      render(session.user);
      renderToken(session);
    });
    $("reload").addEventListener("click", () =>
      busy(actions, async () => {
        await load(app, true);
        note("Profile reloaded.");
      }));
    $("logout").addEventListener("click", () => busy(actions, () => session.logout(false)));
    $("logout-all").addEventListener("click", () => busy(actions, () => session.logout(true)));
  },

  async show(el, params, app) {
    render(app.session.user);
    renderToken(app.session);
    clearInterval(ticker);
    ticker = setInterval(() => renderToken(app.session), 1000);
    await load(app, false);
  },

  hide() {
    clearInterval(ticker);
  },
};

// load reads the names from Djoser's users/me/, whether logging in asks for a second factor
// from /api/2fa/ (/api/me/'s two_factor_enabled is the e-mailed codes' switch alone: an
// authenticator app is not in it), and, when fresh, the user from /api/me/.
async function load({ session, accounts }, fresh) {
  const [, names, tf] = await Promise.all([
    fresh || !session.user ? session.me() : null,
    accounts.me(),
    session.authorized("GET", "/api/2fa/"),
  ]);
  const full = [names.first_name, names.last_name].filter(Boolean).join(" ");
  $("user-name").textContent = full || "—";
  $("user-2fa").textContent = tf.enabled ? "On" : "Off";
}

function render(user) {
  if (!user) return;
  $("user-email").textContent = user.email;
  $("user-id").textContent = user.id;
  $("user-2fa").textContent = user.two_factor_enabled ? "On" : "Off";
  $("user-joined").textContent = when(user.date_joined);
  $("user-last-login").textContent = user.last_login ? when(user.last_login) : "—";
}

function renderToken(session) {
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
