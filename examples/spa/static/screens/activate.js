// The activation page the activation mail links to (AUTHGATE_ACTIVATION_URL =
// <this app>/activate/{uid}/{token}). Opening it changes nothing (mail scanners open links):
// the button posts Djoser's users/activation/.

import { ApiError } from "../api.js";
import { onSubmit } from "../ui.js";
import { linkError } from "./links.js";

let link = {};

export default {
  name: "activate",
  path: "/activate/:uid/:token",
  access: "any",
  title: "Activate your account",
  html: `
    <h1 tabindex="-1">Activate your account</h1>
    <p>Welcome! One click and your account is ready.</p>
    <form id="activate-form" method="post" novalidate>
      <button type="submit" id="activate-submit">Activate my account</button>
    </form>
    <div class="row links">
      <a href="/inbox/activation">Send a new link</a>
      <a href="/login">Log in</a>
    </div>`,

  init(el, { accounts, router, session }) {
    onSubmit(el.querySelector("form"), async () => {
      try {
        await accounts.activate(link.uid, link.token);
      } catch (err) {
        // A second click: the account is active already.
        if (!(err instanceof ApiError && err.status === 403)) {
          throw linkError(err, "Ask for a new one below.");
        }
      }
      if (session.signedIn) router.go("/account", { notice: "Your account is active." });
      else router.go("/login", { notice: "Your account is active. Log in to continue." });
    });
  },

  show(el, params) {
    link = params;
  },
};
