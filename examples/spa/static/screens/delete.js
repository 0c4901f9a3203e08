// Account deletion (Djoser's DELETE users/me/ with the current password): every token of the
// account stops working at once, on every device.

import { onSubmit } from "../ui.js";

export default {
  name: "delete",
  path: "/account/delete",
  access: "user",
  title: "Delete your account",
  nav: "Delete account",
  html: `
    <h1 tabindex="-1">Delete your account</h1>
    <p>This deletes your account and your personal data, and logs you out on every device. It
      cannot be undone.</p>
    <form id="delete-form" method="post" novalidate>
      <label for="delete-password">Current password</label>
      <input id="delete-password" name="current_password" type="password" autocomplete="current-password" required>
      <button type="submit" id="delete-submit" class="danger solid">Delete my account</button>
    </form>`,

  init(el, { accounts, session }) {
    const form = el.querySelector("form");
    onSubmit(form, async ({ current_password }) => {
      await accounts.deleteAccount(current_password);
      form.reset();
      // In cookie mode authgate's answer has cleared the refresh cookie.
      session.forget("Your account has been deleted.");
    });
  },

  show(el) {
    el.querySelector("form").reset();
  },
};
