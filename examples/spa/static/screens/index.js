// Every screen of the app, in the order of the account menu. A new screen is a module next to
// these and a line here (router.js describes what a screen module exports).

import login from "./login.js";
import code from "./code.js";
import elsewhere from "./social.js";
import signup from "./signup.js";
import inbox from "./inbox.js";
import activate from "./activate.js";
import forgot from "./forgot.js";
import reset from "./reset.js";
import emailConfirm from "./email-confirm.js";
import account from "./account.js";
import profile from "./profile.js";
import password from "./password.js";
import email from "./email.js";
import sessions from "./sessions.js";
import twoFactor from "./two-factor.js";
import remove from "./delete.js";
import notFound from "./notfound.js";

export default [
  login, code, elsewhere, signup, inbox, activate, forgot, reset, emailConfirm,
  account, profile, password, email, twoFactor, sessions, remove,
  notFound, // last: it has no path and takes every other address
];
