// A password change (Djoser's users/set_password/): every other session of the account ends,
// this one goes on.

import { Invalid, note, onSubmit } from "../ui.js";

export default {
  name: "password",
  path: "/account/password",
  access: "user",
  title: "Change your password",
  nav: "Password",
  html: `
    <h1 tabindex="-1">Change your password</h1>
    <p>Changing it logs you out on every other device; this one stays logged in.</p>
    <form id="password-form" method="post" novalidate>
      <label for="password-current">Current password</label>
      <input id="password-current" name="current_password" type="password" autocomplete="current-password" required>
      <label for="password-new">New password</label>
      <input id="password-new" name="new_password" type="password" autocomplete="new-password"
             aria-describedby="password-new-hint" required>
      <p id="password-new-hint" class="hint">At least 8 characters, not a common password, not all
        digits, not like your e-mail or name.</p>
      <label for="password-re-new">New password again</label>
      <input id="password-re-new" name="re_new_password" type="password" autocomplete="new-password" required>
      <button type="submit" id="password-save">Change password</button>
    </form>`,

  init(el, { accounts }) {
    const form = el.querySelector("form");
    onSubmit(form, async (v) => {
      if (v.new_password !== v.re_new_password) {
        throw new Invalid({ re_new_password: ["The two password fields didn't match."] });
      }
      await accounts.setPassword(v);
      form.reset();
      note("Your password has been changed. Every other session of your account has ended.");
    });
  },

  show(el) {
    el.querySelector("form").reset();
  },
};
