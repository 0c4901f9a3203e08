// The page the password reset mail links to: a new password, twice, for Djoser's
// users/reset_password_confirm/. A reset ends every session of the account, this browser's too.

import { Invalid, onSubmit } from "../ui.js";
import { linkError } from "./links.js";

let link = {};

export default {
  name: "reset",
  path: "/password/reset/confirm/:uid/:token",
  access: "any",
  title: "Choose a new password",
  html: `
    <h1 tabindex="-1">Choose a new password</h1>
    <form id="reset-form" method="post" novalidate>
      <label for="reset-password">New password</label>
      <input id="reset-password" name="new_password" type="password" autocomplete="new-password"
             aria-describedby="reset-password-hint" required>
      <p id="reset-password-hint" class="hint">At least 8 characters, not a common password, not all digits.</p>
      <label for="reset-re-password">New password again</label>
      <input id="reset-re-password" name="re_new_password" type="password" autocomplete="new-password" required>
      <button type="submit">Set the new password</button>
    </form>
    <div class="row links">
      <a href="/password/reset">Send a new link</a>
    </div>`,

  init(el, { accounts, router, session }) {
    const form = el.querySelector("form");
    onSubmit(form, async ({ new_password, re_new_password }) => {
      if (new_password !== re_new_password) {
        throw new Invalid({ re_new_password: ["The two password fields didn't match."] });
      }
      try {
        await accounts.resetPasswordConfirm(link.uid, link.token, new_password);
      } catch (err) {
        throw linkError(err, "Ask for a new one.");
      }
      form.reset();
      const notice = "Your password has been changed, and every session of your account has ended. " +
        "Log in with the new password.";
      if (session.signedIn) session.forget(""); // authgate has ended it
      router.go("/login", { notice });
    });
  },

  show(el, params) {
    link = params;
    el.querySelector("form").reset();
  },
};
