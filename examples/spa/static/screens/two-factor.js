// Second factors (authgate's /api/2fa/): set up an authenticator app — authgate draws the QR
// code, the app's first code confirms it, and the recovery codes are shown this once — or remove
// it with the password or one of its codes.

import { $, busy, Invalid, note, onSubmit, when } from "../ui.js";

const NAMES = { totp: "Authenticator app", email: "E-mailed codes", webauthn: "Passkey" };

export default {
  name: "two-factor",
  path: "/account/two-factor",
  access: "user",
  title: "Two-factor login",
  nav: "Two-factor",
  html: `
    <h1 tabindex="-1">Two-factor login</h1>
    <p id="tf-status">Loading…</p>
    <ul id="tf-factors" class="factors" aria-label="Second factors"></ul>
    <section id="totp-setup" hidden>
      <h2>Set up an authenticator app</h2>
      <form id="totp-begin-form" method="post" novalidate>
        <label for="totp-password">Your password</label>
        <input id="totp-password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Show the QR code</button>
      </form>
      <form id="totp-confirm-form" method="post" novalidate hidden>
        <p>Scan this code with your authenticator app, or type the key in.</p>
        <img id="totp-qr" alt="QR code of the key for your authenticator app" width="192" height="192">
        <p>Key: <code id="totp-secret" class="mono"></code></p>
        <label for="totp-code">The code your app shows</label>
        <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
               maxlength="16" spellcheck="false" required>
        <button type="submit">Confirm</button>
      </form>
    </section>
    <section id="recovery" hidden>
      <h2>Your recovery codes</h2>
      <p>Each logs you in once if you lose your phone. Keep them somewhere safe: they are not shown again.</p>
      <ol id="recovery-codes" class="mono"></ol>
    </section>
    <section id="totp-remove" hidden>
      <h2>Remove the authenticator app</h2>
      <form id="totp-remove-form" method="post" novalidate>
        <label for="totp-remove-password">Your password <span class="muted">(or leave it empty and give a code of the app)</span></label>
        <input id="totp-remove-password" name="password" type="password" autocomplete="current-password">
        <label for="totp-remove-code">A code of the app</label>
        <input id="totp-remove-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="16">
        <button type="submit" class="danger">Remove</button>
      </form>
    </section>`,

  init(el, { session }) {
    const begin = $("totp-begin-form");
    const confirm = $("totp-confirm-form");
    onSubmit(begin, async ({ password }) => {
      if (!password) throw new Invalid({ password: ["This field is required."] });
      const res = await session.authorized("POST", "/api/2fa/totp/", { password });
      begin.reset();
      begin.hidden = true;
      $("totp-qr").src = res.qr_code;
      $("totp-secret").textContent = res.secret;
      confirm.hidden = false;
      $("totp-code").focus();
    });
    onSubmit(confirm, async ({ code }) => {
      code = code.replace(/\s+/g, "");
      if (!code) throw new Invalid({ code: ["Enter the code your app shows."] });
      const res = await session.authorized("POST", "/api/2fa/totp/confirm/", { code });
      confirm.reset();
      confirm.hidden = true;
      $("totp-qr").removeAttribute("src");
      $("totp-secret").textContent = "";
      $("recovery-codes").replaceChildren(...res.recovery_codes.map((c) => {
        const li = document.createElement("li");
        li.textContent = c;
        return li;
      }));
      $("recovery").hidden = res.recovery_codes.length === 0;
      await load(session);
      note("Your authenticator app is set up: logging in now asks for its code.");
    });
    onSubmit($("totp-remove-form"), async ({ password, code }) => {
      const body = password ? { password } : { code: code.replace(/\s+/g, "") };
      await session.authorized("POST", "/api/2fa/totp/disable/", body);
      $("totp-remove-form").reset();
      $("recovery").hidden = true;
      await load(session);
      note("Your authenticator app is removed.");
    });
  },

  async show(el, params, { session }) {
    $("totp-begin-form").hidden = false;
    $("totp-confirm-form").hidden = true;
    $("recovery").hidden = true;
    await busy(el, () => load(session));
  },
};

// load shows the status and the factors, and offers to set up or remove the app.
async function load(session) {
  const st = await session.authorized("GET", "/api/2fa/");
  const factors = st.factors ?? (st.enabled && st.mode !== "required" ? [{ method: "email" }] : []);
  const hasApp = factors.some((f) => f.method === "totp");
  $("tf-status").textContent = st.enabled
    ? `Logging in asks for a second factor. Recovery codes left: ${st.recovery_codes_remaining}.`
    : "Logging in takes only your password.";
  $("tf-factors").replaceChildren(...factors.map((f) => {
    const li = document.createElement("li");
    li.dataset.method = f.method;
    li.textContent = NAMES[f.method] ?? f.method;
    if (f.created_at) li.textContent += ` — set up ${when(f.created_at)}`;
    if (f.last_used_at) li.textContent += `, last used ${when(f.last_used_at)}`;
    return li;
  }));
  $("totp-setup").hidden = hasApp || st.mode === "off";
  $("totp-remove").hidden = !hasApp;
}
