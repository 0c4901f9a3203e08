// "Sign in with …" an external identity provider (authgate issue #19, docs/social-login.md).
// The buttons come from GET /api/oauth/providers/ and go on the login screen's #login-more. The
// browser goes to authgate's start URL, then the provider, and comes back here with a one-time
// code in the address's fragment (#oauth_code=…), which POST /api/oauth/token/ exchanges for
// SimpleJWT's token body, or a two-factor challenge, as a password login answers.
// Register this page's address in AUTHGATE_OIDC_REDIRECT_URLS.

import { ApiError } from "../api.js";
import { fail } from "../ui.js";

const PATH = "/login/elsewhere";

// The fragment the page was loaded with, read before the router rewrites the address. Each
// return from a provider is a fresh page load, so this is read once.
let landed = location.pathname === PATH ? location.hash.slice(1) : "";

// What authgate's oauth_error reasons mean to a person.
const REASONS = {
  access_denied: "The sign-in was cancelled at the provider.",
  email_unverified: "The provider did not confirm your e-mail address, so it cannot be used here.",
  email_in_use: "An account with this e-mail address exists. Log in with your password, then link the provider.",
  signup_closed: "There is no account for this identity, and sign-up is closed.",
  identity_in_use: "This identity is linked to another account.",
  inactive: "This account is inactive.",
};

export default {
  name: "elsewhere",
  path: PATH,
  access: "guest",
  title: "Signing in",
  html: `<h1 tabindex="-1">Signing in…</h1>`,

  init(el, { api }) {
    const more = document.getElementById("login-more");
    api.call("GET", "/api/oauth/providers/").then((providers) => {
      for (const p of providers ?? []) {
        const button = document.createElement("button");
        button.type = "button";
        button.id = `login-with-${p.name}`;
        button.textContent = `Sign in with ${p.label}`;
        button.addEventListener("click", () => {
          const back = new URL(PATH, location.origin).href;
          location.assign(`${p.start_url}?${new URLSearchParams({ redirect_to: back })}`);
        });
        more.append(button);
      }
    }, () => {}); // no buttons when authgate cannot be reached: the password still works
  },

  async show(el, params, { api, session, router }) {
    const frag = new URLSearchParams(landed);
    landed = "";
    // The code is single-use; it leaves the address bar (and the history) at once.
    history.replaceState(history.state, "", PATH);
    const code = frag.get("oauth_code");
    if (!code) {
      const reason = frag.get("oauth_error") ?? "";
      router.go("/login", { replace: true, notice: REASONS[reason] ?? `The sign-in failed (${reason || "no answer"}).` });
      return;
    }
    try {
      const answer = await api.call("POST", "/api/oauth/token/", { body: { code } });
      if (answer?.two_factor_required) {
        router.go("/login/code", { replace: true, state: { challenge: answer.challenge, email: "your e-mail address" } });
        return;
      }
      await session.begin(answer);
      router.go(router.takeNext() || "/account", { replace: true });
    } catch (err) {
      router.go("/login", { replace: true });
      if (err instanceof ApiError) fail(err);
      else throw err;
    }
  },
};
