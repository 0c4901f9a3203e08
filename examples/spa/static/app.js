// The page: reads /config.json, resumes the session, and hands the screens (screens/) to the
// router (router.js). Everything a screen needs is in app.

import { Accounts } from "./accounts.js";
import { Api } from "./api.js";
import { Router } from "./router.js";
import screens from "./screens/index.js";
import { Session } from "./session.js";
import { $, clearMessages, fail, note } from "./ui.js";

const modeLabels = {
  cookie: "Refresh token in an HttpOnly cookie, access token in memory",
  localstorage: "Tokens in localStorage (the tutorial's way)",
};

start();

async function start() {
  let config;
  try {
    const resp = await fetch("/config.json", { cache: "no-store" });
    config = await resp.json();
  } catch {
    fail(new Error("This app's /config.json could not be read."));
    return;
  }
  $("api").textContent = config.api;
  $("mode").textContent = modeLabels[config.mode] ?? config.mode;

  const api = new Api(config.api, config.mode === "cookie" ? "include" : "omit");
  const session = new Session(api, config.mode);
  const app = { config, api, session, accounts: new Accounts(api, session) };
  const router = new Router(app, $("screens"), $("account-nav"));
  app.router = router;
  for (const screen of screens) router.add(screen);

  session.addEventListener("change", () => {
    if ($("error").dataset.source === "renewal") clearMessages(); // renewed after all
  });
  session.addEventListener("ended", (ev) => {
    // Out of the account's screens; elsewhere (a mailed link's page) only say so.
    if (router.current?.access === "user") router.go("/login", { notice: ev.detail.message });
    else if (ev.detail.message) note(ev.detail.message);
  });
  session.addEventListener("trouble", (ev) => {
    fail(new Error(`Could not renew the session (${ev.detail.message}) Trying again shortly.`));
    $("error").dataset.source = "renewal";
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") session.renewIfDue();
  });

  let trouble = null;
  try {
    await session.restore();
  } catch (err) {
    trouble = err; // authgate unreachable: say so on the screen the address asks for
  }
  router.start();
  if (trouble) fail(trouble);
}
