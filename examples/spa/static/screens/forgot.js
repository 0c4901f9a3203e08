// A forgotten password: Djoser's users/reset_password/ mails a link to the reset page
// (AUTHGATE_PASSWORD_RESET_CONFIRM_URL = <this app>/password/reset/confirm/{uid}/{token}).

import { onSubmit } from "../ui.js";

export default {
  name: "forgot",
  path: "/password/reset",
  access: "any",
  title: "Forgot your password?",
  html: `
    <h1 tabindex="-1">Forgot your password?</h1>
    <p>Enter your account's e-mail address and we will send you a link to choose a new password.</p>
    <form id="forgot-form" method="post" novalidate>
      <label for="forgot-email">E-mail</label>
      <input id="forgot-email" name="email" type="email" autocomplete="email" required>
      <button type="submit">Send the link</button>
    </form>
    <div class="row links">
      <a href="/login">Back to log in</a>
    </div>`,

  init(el, { accounts, router }) {
    const form = el.querySelector("form");
    onSubmit(form, async ({ email }) => {
      email = email.trim();
      await accounts.resetPassword(email);
      form.reset();
      router.go("/inbox/reset", { state: { email } });
    });
  },

  show(el, params, { session }) {
    const input = el.querySelector("input");
    input.value = session.user?.email ?? "";
  },
};
