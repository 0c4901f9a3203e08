// An e-mail change (Djoser's users/set_email/). With AUTHGATE_EMAIL_CHANGE=verify (authgate's
// default) the new address gets a link and the change waits for it (email-confirm.js); with
// immediate it is done at once.

import { note, onSubmit } from "../ui.js";

export default {
  name: "email",
  path: "/account/email",
  access: "user",
  title: "Change your e-mail address",
  nav: "E-mail",
  html: `
    <h1 tabindex="-1">Change your e-mail address</h1>
    <p>You log in with <strong id="email-current"></strong>.</p>
    <form id="email-form" method="post" novalidate>
      <label for="email-new">New e-mail address</label>
      <input id="email-new" name="new_email" type="email" autocomplete="email" required>
      <label for="email-password">Current password</label>
      <input id="email-password" name="current_password" type="password" autocomplete="current-password" required>
      <button type="submit" id="email-save">Change address</button>
    </form>`,

  init(el, { accounts, session }) {
    const form = el.querySelector("form");
    onSubmit(form, async (v) => {
      v.new_email = v.new_email.trim();
      await accounts.setEmail(v);
      form.reset();
      const user = await session.me();
      el.querySelector("#email-current").textContent = user.email;
      if (user.email.toLowerCase() === v.new_email.toLowerCase()) {
        note(`Your e-mail address is now ${user.email}.`);
      } else {
        note(`We sent a link to ${v.new_email}. Your address changes when you follow it; ` +
          `until then you log in with ${user.email}.`);
      }
    });
  },

  show(el, params, { session }) {
    el.querySelector("form").reset();
    el.querySelector("#email-current").textContent = session.user?.email ?? "";
  },
};
