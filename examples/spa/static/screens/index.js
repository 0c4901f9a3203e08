// Every screen of the app, in the order of the account menu. A new screen is a module next to
// these and a line here (router.js describes what a screen module exports).

import login from "./login.js";
import code from "./code.js";
import account from "./account.js";
import notFound from "./notfound.js";

export default [
  login, code,
  account,
  notFound, // last: it has no path and takes every other address
];
