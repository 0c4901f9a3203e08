// The second step of a two-factor login (POST /api/token/2fa/): the code authgate e-mailed, or,
// for a user who has more than e-mailed codes, a choice of method (a code from an authenticator
// app, the e-mailed code, a recovery code). authgate names the methods in the login's answer.

import { ApiError } from "../api.js";
import { busy, Invalid, note, onSubmit } from "../ui.js";

let challenge = "";

// The methods this screen can take a code for, as the chooser names them.
const LABELS = {
  totp: "Code from your authenticator app",
  email: "Code from the e-mail",
  recovery_code: "Recovery code",
};

export default {
  name: "code",
  path: "/login/code",
  access: "guest",
  title: "Confirm it's you",
  html: `
    <h1 tabindex="-1" id="code-title">Check your e-mail</h1>
    <p id="code-hint"></p>
    <form id="code-form" method="post" novalidate>
      <fieldset id="code-methods" hidden>
        <legend>How do you want to confirm?</legend>
        <div id="code-method-list"></div>
      </fieldset>
      <label for="code" id="code-label">Verification code <span class="muted">(or a recovery code)</span></label>
      <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
             maxlength="64" spellcheck="false" required>
      <button type="submit" id="code-form-submit">Verify</button>
      <div class="row">
        <button type="button" id="resend" class="link">Send a new code</button>
        <button type="button" id="code-back" class="link">Use another account</button>
      </div>
    </form>`,

  init(el, { session, router }) {
    const form = el.querySelector("form");
    onSubmit(form, async (v) => {
      const code = v.code.replace(/\s+/g, "");
      if (!code) throw new Invalid({ code: ["Enter the code."] });
      try {
        await session.verifyCode(challenge, code, v.method ?? "");
      } catch (err) {
        // A spent or expired challenge cannot be retried: start again from the password.
        if (err instanceof ApiError && ["challenge_invalid", "too_many_attempts"].includes(err.code)) {
          router.go("/login", { keep: true });
        }
        throw err;
      }
      challenge = "";
      router.go(router.takeNext() || "/account");
    });
    el.querySelector("#code-method-list").addEventListener("change", () => label(el));
    el.querySelector("#resend").addEventListener("click", () =>
      busy(form, async () => note(await session.resendCode(challenge))));
    el.querySelector("#code-back").addEventListener("click", () => {
      challenge = "";
      router.go("/login");
    });
  },

  show(el, params, { router }) {
    // The challenge lives in memory only: after a reload the login starts again.
    challenge = router.state.challenge ?? "";
    if (!challenge) {
      router.go("/login", { replace: true });
      return;
    }
    el.querySelector("form").reset();
    const methods = (router.state.methods ?? []).filter((m) => LABELS[m]);
    const list = el.querySelector("#code-method-list");
    list.replaceChildren(...methods.map((m, i) => {
      const wrap = document.createElement("label");
      wrap.className = "choice";
      const radio = document.createElement("input");
      Object.assign(radio, { type: "radio", name: "method", value: m, id: `code-method-${m}`, checked: i === 0 });
      wrap.append(radio, " ", LABELS[m]);
      return wrap;
    }));
    el.querySelector("#code-methods").hidden = methods.length === 0;
    el.querySelector("#resend").hidden = methods.length > 0 && !methods.includes("email");
    const mailed = methods.length === 0 || methods.includes("email");
    el.querySelector("#code-title").textContent = mailed && methods.length === 0 ? "Check your e-mail" : "Confirm it's you";
    el.querySelector("#code-hint").textContent = mailed
      ? `Enter the code authgate sent to ${router.state.email}${methods.length ? ", or choose another way" : ""}.`
      : `Enter a code of your second factor for ${router.state.email}.`;
    label(el);
  },
};

// label names the code field after the chosen method (without a choice, as it always was).
function label(el) {
  const chosen = el.querySelector('input[name="method"]:checked')?.value;
  const l = el.querySelector("#code-label");
  if (chosen) {
    l.textContent = LABELS[chosen];
    return;
  }
  const muted = document.createElement("span");
  muted.className = "muted";
  muted.textContent = "(or a recovery code)";
  l.replaceChildren("Verification code ", muted);
}
