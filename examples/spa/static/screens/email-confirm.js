// The page the e-mail change mail links to, at the new address (AUTHGATE_EMAIL_CHANGE_CONFIRM_URL
// = <this app>/email/change/confirm/{uid}/{token}): the button posts users/set_email_confirm/,
// and the account's address changes then. Sessions go on.

import { onSubmit } from "../ui.js";
import { linkError } from "./links.js";

let link = {};

export default {
  name: "email-confirm",
  path: "/email/change/confirm/:uid/:token",
  access: "any",
  title: "Confirm your new address",
  html: `
    <h1 tabindex="-1">Confirm your new address</h1>
    <p>Your account asked to use the address this link was sent to from now on. Confirm it, and
      it becomes the address you log in with.</p>
    <form id="email-confirm-form" method="post" novalidate>
      <button type="submit" id="email-confirm-submit">Confirm the new address</button>
    </form>`,

  init(el, { accounts, router, session }) {
    onSubmit(el.querySelector("form"), async () => {
      try {
        await accounts.confirmEmailChange(link.uid, link.token);
      } catch (err) {
        throw linkError(err, "Ask for the change again from your account.");
      }
      if (!session.signedIn) {
        router.go("/login", { notice: "Your address has been changed. Log in with the new one." });
        return;
      }
      const user = await session.me();
      router.go("/account", { notice: `Your e-mail address is now ${user.email}.` });
    });
  },

  show(el, params) {
    link = params;
  },
};
