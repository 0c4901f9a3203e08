// A small router: one screen per address, the History API, and the session as the guard.
//
// A screen is a module in screens/ whose default export is
//
//   {
//     name: "sessions",             // its <section> is #view-sessions
//     path: "/account/sessions",    // ":name" segments become params: "/activate/:uid/:token"
//     access: "user",               // "user": needs a login; "guest": only without one; "any"
//     title: "Sessions",            // document.title
//     nav: "Sessions",              // optional: listed in the account menu under this label
//     html: `<h1 tabindex="-1">…`,  // its markup: static (data goes in with textContent)
//     init(el, app) {},             // optional, once: wire the forms
//     show(el, params, app) {},     // optional, each time it is shown; may be async
//     hide(el, app) {},             // optional, when another screen replaces it
//   }
//
// and screens/index.js lists them. app is {config, api, session, accounts, router}.

import { SessionEnded } from "./session.js";
import { clearMessages, fail, note } from "./ui.js";

export class Router {
  #app;
  #root;
  #nav;
  #routes = [];
  #current = null;
  #next = "";
  #state = {};

  /**
   * @param {object} app what screens get: {config, api, session, accounts, router}
   * @param {HTMLElement} root where the screens' sections go
   * @param {HTMLElement} nav the account menu (a <nav> holding a <ul>)
   */
  constructor(app, root, nav) {
    this.#app = app;
    this.#root = root;
    this.#nav = nav;
  }

  /** current is the screen on show (null before the first). */
  get current() {
    return this.#current?.screen ?? null;
  }

  /** state is what the last go() passed on (it is not kept in history: it may hold secrets). */
  get state() {
    return this.#state;
  }

  /** add registers a screen: its section is made now and init runs once. */
  add(screen) {
    const el = document.createElement("section");
    el.id = `view-${screen.name}`;
    el.dataset.view = "";
    el.hidden = true;
    el.innerHTML = screen.html;
    this.#root.append(el);
    const names = [];
    const pattern = screen.path
      ? new RegExp("^" + screen.path.replace(/:(\w+)/g, (_, n) => (names.push(n), "([^/]+)")) + "/?$")
      : null;
    this.#routes.push({ screen, el, pattern, names });
    screen.init?.(el, this.#app);
    if (screen.nav) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = screen.path;
      a.textContent = screen.nav;
      a.dataset.screen = screen.name;
      li.append(a);
      this.#nav.querySelector("ul").append(li);
    }
  }

  /** start follows links and the back button from now on, and shows the page's address. */
  start() {
    window.addEventListener("popstate", () => this.go(location.pathname, { history: false }));
    document.addEventListener("click", (ev) => {
      const a = ev.target.closest?.("a[href]");
      if (!a || a.origin !== location.origin || a.target || a.hasAttribute("download") ||
          ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      this.go(a.pathname);
    });
    this.go(location.pathname, { replace: true });
  }

  /**
   * go shows the screen of path, after the guards: a screen for users sends a visitor to the log
   * in (and back after it), one for guests sends a user to the account. Messages on show are
   * cleared unless keep is set; notice is shown after.
   *
   * @param {string} path
   * @param {{replace?: boolean, history?: boolean, state?: object, notice?: string, keep?: boolean}} opts
   */
  go(path, { replace = false, history = true, state = {}, notice = "", keep = false } = {}) {
    const signedIn = this.#app.session.signedIn;
    if (path === "/") {
      return this.go(signedIn ? "/account" : "/login", { replace: true, state, notice, keep });
    }
    const match = this.#match(path);
    const { screen } = match.route;
    if (screen.access === "user" && !signedIn) {
      this.#next = path;
      return this.go("/login", { replace: true, notice, keep });
    }
    if (screen.access === "guest" && signedIn) {
      return this.go("/account", { replace: true, notice, keep });
    }
    if (history) {
      if (replace || path === location.pathname) window.history.replaceState(null, "", path);
      else window.history.pushState(null, "", path);
    }
    if (!keep) clearMessages();
    if (notice) note(notice);
    this.#state = state;
    this.#show(match);
  }

  /** takeNext is where a visitor was going before the log in sent them there ("" if nowhere). */
  takeNext() {
    const next = this.#next;
    this.#next = "";
    return next;
  }

  #match(path) {
    for (const route of this.#routes) {
      const m = route.pattern?.exec(path);
      if (!m) continue;
      try {
        const params = {};
        route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
        return { route, params };
      } catch {
        break; // a malformed %-escape: no screen's address
      }
    }
    return { route: this.#routes.find((r) => !r.pattern), params: {} };
  }

  #show({ route, params }) {
    const prev = this.#current;
    if (prev && prev.route !== route) prev.route.screen.hide?.(prev.route.el, this.#app);
    this.#current = { route, screen: route.screen };
    for (const view of document.querySelectorAll("[data-view]")) view.hidden = view !== route.el;
    document.title = `${route.screen.title} · Example app`;
    this.#nav.hidden = !route.screen.nav;
    for (const a of this.#nav.querySelectorAll("a")) {
      if (a.dataset.screen === route.screen.name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    // The focus moves to the screen, so that a screen reader starts reading there: its first
    // field, or its heading.
    const first = route.el.querySelector("input:not([type=hidden]):not([readonly])") ?? route.el.querySelector("h1");
    first?.focus();
    Promise.resolve()
      .then(() => route.screen.show?.(route.el, params, this.#app))
      .catch((err) => {
        if (!(err instanceof SessionEnded)) fail(err); // "ended" has shown its message
      });
  }
}
