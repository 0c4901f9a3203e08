// The second step of a two-factor login: the code authgate e-mailed (POST /api/token/2fa/).

import { ApiError } from "../api.js";
import { busy, Invalid, note, onSubmit } from "../ui.js";

let challenge = "";

export default {
  name: "code",
  path: "/login/code",
  access: "guest",
  title: "Check your e-mail",
  html: `
    <h1 tabindex="-1">Check your e-mail</h1>
    <p id="code-hint"></p>
    <form id="code-form" method="post" novalidate>
      <label for="code">Verification code <span class="muted">(or a recovery code)</span></label>
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
      if (!code) throw new Invalid({ code: ["Enter the code from the e-mail."] });
      try {
        await session.verifyCode(challenge, code);
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
    el.querySelector("#code-hint").textContent = `Enter the code authgate sent to ${router.state.email}.`;
    el.querySelector("form").reset();
  },
};
