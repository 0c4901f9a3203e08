// "Check your inbox", after a sign-up (/inbox/activation) or a password reset request
// (/inbox/reset), with a form to send the link again (to a corrected address, if need be).

import { note, onSubmit } from "../ui.js";

const kinds = {
  activation: {
    text: (email) => `We sent an activation link to ${email}. Follow it to activate your account, ` +
      "then log in. The link works once, within three days.",
    unknown: "Follow the activation link we e-mailed you, then log in.",
    send: (accounts, email) => accounts.resendActivation(email),
  },
  reset: {
    text: (email) => `If an account uses ${email}, we sent it a link to choose a new password. ` +
      "The link works once, within 30 minutes.",
    unknown: "If an account uses the address you gave, we sent it a link to choose a new password.",
    send: (accounts, email) => accounts.resetPassword(email),
  },
};

let kind = kinds.activation;

export default {
  name: "inbox",
  path: "/inbox/:kind",
  access: "any",
  title: "Check your inbox",
  html: `
    <h1 tabindex="-1">Check your inbox</h1>
    <p id="inbox-text"></p>
    <form id="inbox-form" method="post" novalidate>
      <p class="muted">No mail after a few minutes? Check the spam folder and the address, then send
        the link again.</p>
      <label for="inbox-email">E-mail</label>
      <input id="inbox-email" name="email" type="email" autocomplete="email" required>
      <button type="submit" id="inbox-resend">Send the link again</button>
    </form>
    <div class="row links">
      <a href="/login">Back to log in</a>
    </div>`,

  init(el, { accounts }) {
    onSubmit(el.querySelector("form"), async ({ email }) => {
      email = email.trim();
      await kind.send(accounts, email);
      el.querySelector("#inbox-text").textContent = kind.text(email);
      note(`Sent again to ${email}.`);
    });
  },

  show(el, params, { router }) {
    kind = kinds[params.kind] ?? kinds.activation;
    const email = router.state.email ?? "";
    el.querySelector("#inbox-text").textContent = email ? kind.text(email) : kind.unknown;
    el.querySelector("#inbox-email").value = email;
    el.querySelector("h1").focus(); // read the news first, not the form
  },
};
