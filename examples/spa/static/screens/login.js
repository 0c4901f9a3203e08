// Log in with e-mail and password (POST /api/token/); the e-mailed code comes next when
// two-factor login is on. Other ways to log in (a passkey, "Sign in with …") add their buttons to
// #login-more from their own modules (README: "Adding a way to log in").

import { Invalid, onSubmit } from "../ui.js";

export default {
  name: "login",
  path: "/login",
  access: "guest",
  title: "Log in",
  html: `
    <h1 tabindex="-1">Log in</h1>
    <form id="login-form" method="post" novalidate>
      <label for="email">E-mail</label>
      <input id="email" name="email" type="email" autocomplete="username" required>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Log in</button>
    </form>
    <div id="login-more" class="login-more"></div>
    <div class="row links">
      <a href="/signup" id="to-signup">Create an account</a>
      <a href="/password/reset" id="to-forgot">Forgot your password?</a>
    </div>`,

  init(el, { session, router }) {
    const form = el.querySelector("form");
    onSubmit(form, async ({ email, password }) => {
      email = email.trim();
      if (!email || !password) throw new Invalid(required({ email, password }));
      const res = await session.login(email, password);
      form.reset();
      if (res.challenge) {
        router.go("/login/code", { state: { challenge: res.challenge, email, methods: res.methods, detail: res.detail } });
      } else {
        router.go(router.takeNext() || "/account");
      }
    });
  },

  show(el) {
    el.querySelector("form").reset();
  },
};

/** required is DRF's "This field is required." for each empty field. */
export function required(fields) {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => !v).map(([k]) => [k, ["This field is required."]]));
}
