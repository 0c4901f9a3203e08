// Sign-up (Djoser's POST users/): the account is inactive until its mailed link is followed.

import { ApiError } from "../api.js";
import { Invalid, onSubmit } from "../ui.js";

export default {
  name: "signup",
  path: "/signup",
  access: "guest",
  title: "Create an account",
  html: `
    <h1 tabindex="-1">Create an account</h1>
    <form id="signup-form" method="post" novalidate>
      <label for="signup-email">E-mail</label>
      <input id="signup-email" name="email" type="email" autocomplete="email" required>
      <div class="pair">
        <div>
          <label for="signup-first-name">First name <span class="muted">(optional)</span></label>
          <input id="signup-first-name" name="first_name" type="text" autocomplete="given-name" maxlength="150">
        </div>
        <div>
          <label for="signup-last-name">Last name <span class="muted">(optional)</span></label>
          <input id="signup-last-name" name="last_name" type="text" autocomplete="family-name" maxlength="150">
        </div>
      </div>
      <label for="signup-password">Password</label>
      <input id="signup-password" name="password" type="password" autocomplete="new-password"
             aria-describedby="signup-password-hint" required>
      <p id="signup-password-hint" class="hint">At least 8 characters, not a common password, not all
        digits, not like your e-mail or name.</p>
      <label for="signup-re-password">Password again</label>
      <input id="signup-re-password" name="re_password" type="password" autocomplete="new-password" required>
      <button type="submit">Create account</button>
    </form>
    <div class="row links">
      <a href="/login">Already have an account? Log in</a>
    </div>`,

  init(el, { accounts, router }) {
    const form = el.querySelector("form");
    onSubmit(form, async (v) => {
      v.email = v.email.trim();
      try {
        await accounts.signUp(v);
      } catch (err) {
        if (err instanceof ApiError && err.status === 403) {
          throw new Error("This authgate does not take sign-ups (AUTHGATE_SIGNUP=closed).");
        }
        // The retype belongs next to its field (Djoser sends it as a non-field error).
        const nf = err instanceof ApiError ? err.body?.non_field_errors : null;
        if (Array.isArray(nf) && Object.keys(err.body).length === 1 && /password/i.test(nf.join(""))) {
          throw new Invalid({ re_password: nf });
        }
        throw err;
      }
      form.reset();
      router.go("/inbox/activation", { state: { email: v.email } });
    });
  },

  show(el) {
    el.querySelector("form").reset();
  },
};
