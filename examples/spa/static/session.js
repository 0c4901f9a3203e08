// A login session against authgate. The access token lives in memory; the refresh token lives in
// an HttpOnly cookie that authgate sets and only authgate reads (cookie mode, recommended), or in
// localStorage (the tutorial's way: any script on the page can read it). The access token is
// renewed shortly before it expires, and once more when an answer is 401.

import { ApiError } from "./api.js";

const KEY_REFRESH = "authgate.refresh";
const KEY_ACCESS = "authgate.access";
const LOCK = "authgate-refresh";
const ENDED = "Your session has ended. Please log in again.";

/** The session is over: the user must log in again. The "ended" event has already fired. */
export class SessionEnded extends Error {
  constructor(message, cause) {
    super(message);
    this.name = "SessionEnded";
    this.cause = cause;
  }
}

/** claims decodes a JWT's payload. Only for timing: the page never trusts it for anything else. */
export function claims(jwt) {
  const part = jwt.split(".")[1] ?? "";
  const json = atob(part.replaceAll("-", "+").replaceAll("_", "/"));
  return JSON.parse(json);
}

/**
 * renewDelay is how long from now to renew an access token: its time left by authgate's clock,
 * less a quarter (at most a minute). exp - iat cannot serve: an access token's iat is its refresh
 * token's (SimpleJWT copies it). A time left beyond exp - iat means the clocks are unknown; then
 * that bound is used, and a late renewal is caught by the 401 path.
 */
export function renewDelay(access, serverNow) {
  const { iat, exp } = claims(access);
  const most = (exp - iat) * 1000;
  let left = exp * 1000 - serverNow;
  if (!(left > 0 && left <= most)) left = most;
  return Math.max(250, left - Math.min(60_000, left / 4));
}

/**
 * Session events: "change" (signed in, renewed, user loaded), "ended" (detail: {message}),
 * "trouble" (detail: the error of a renewal that will be retried).
 */
export class Session extends EventTarget {
  #api;
  #storage;
  #access = "";
  #timer = 0;
  #refreshing = null;

  /**
   * @param {import("./api.js").Api} api
   * @param {"cookie"|"localstorage"} mode where the refresh token lives
   */
  constructor(api, mode, storage = window.localStorage) {
    super();
    this.#api = api;
    this.mode = mode;
    this.#storage = storage;
    this.user = null;
    this.refreshes = 0;
    this.nextRefreshAt = 0;
  }

  get signedIn() {
    return this.#access !== "";
  }

  /**
   * login answers {challenge, detail, methods} when a second factor is needed, else the user.
   * methods lists the ways to finish ("totp", "email", "recovery_code", …); authgate leaves it
   * out for a user who has e-mailed codes only, and so does this.
   */
  async login(email, password) {
    const data = await this.#api.call("POST", "/api/token/", { body: { email, password } });
    if (data?.two_factor_required) {
      return { challenge: data.challenge, detail: data.detail, methods: data.methods ?? null };
    }
    return this.begin(data);
  }

  /**
   * verifyCode completes a two-factor login and answers the user. Without a method the code is
   * the e-mailed one or a recovery code, as before authgate had several methods.
   */
  async verifyCode(challenge, code, method = "") {
    const body = method ? { challenge, method, code } : { challenge, code };
    return this.begin(await this.#api.call("POST", "/api/token/2fa/", { body }));
  }

  /** resendCode e-mails a new code for the challenge; answers authgate's message. */
  async resendCode(challenge) {
    const data = await this.#api.call("POST", "/api/token/2fa/resend/", { body: { challenge } });
    return data?.detail ?? "A new code was sent.";
  }

  /**
   * restore picks up a session that outlived the page: the cookie, or the tokens in
   * localStorage. Answers the user, or null when there is none.
   */
  async restore() {
    if (this.mode === "localstorage") {
      const access = this.#storage.getItem(KEY_ACCESS);
      if (!this.#storage.getItem(KEY_REFRESH)) return null;
      // The stored access token may have expired: the first 401 renews it.
      if (access) this.#setAccess(access);
    }
    try {
      if (!this.signedIn) await this.refresh();
      return await this.me();
    } catch (err) {
      if (err instanceof SessionEnded) return null;
      throw err;
    }
  }

  /** me loads the user from /api/me/. */
  async me() {
    this.user = await this.authorized("GET", "/api/me/");
    this.#changed();
    return this.user;
  }

  /**
   * authorized calls an endpoint with the access token. On a 401 it renews the token once and
   * tries again: the token may have expired early (a sleeping laptop) or been revoked, and a
   * renewal settles which. body may be a function, so a retry sends what is current then.
   */
  async authorized(method, path, body) {
    const send = (token) =>
      this.#api.call(method, path, { body: typeof body === "function" ? body() : body, token });
    const used = this.#access || (await this.refresh());
    try {
      return await send(used);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
    }
    const fresh = this.#access && this.#access !== used ? this.#access : await this.refresh();
    try {
      return await send(fresh);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        throw this.#end("Your session is no longer valid. Please log in again.", err);
      }
      throw err;
    }
  }

  /**
   * refresh renews the access token (rotating the refresh token). One renewal at a time, in this
   * tab and across this origin's tabs: two concurrent rotations of one refresh token look like a
   * stolen token being replayed, and authgate then ends the whole login (reuse detection).
   */
  refresh() {
    this.#refreshing ??= this.#locked(() => this.#rotate()).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** renewIfDue renews now when a renewal is overdue (timers sleep in background tabs). */
  renewIfDue() {
    if (this.signedIn && Date.now() >= this.nextRefreshAt) this.#renew();
  }

  /** logout ends this login at authgate (all: every login of the user) and forgets it here. */
  async logout(all = false) {
    const body = () => {
      if (all) return { all: true };
      // Cookie mode: authgate reads the refresh token from its cookie and clears it.
      if (this.mode === "cookie") return {};
      return { refresh_token: this.#storage.getItem(KEY_REFRESH) ?? "" };
    };
    try {
      await this.authorized("POST", "/logout_token/", body);
    } catch (err) {
      // A token authgate refuses is dead anyway: forget it. Anything else (authgate unreachable)
      // leaves the session alive there, so keep it and let the user try again.
      if (err instanceof SessionEnded) return;
      if (!(err instanceof ApiError)) throw err;
    }
    this.#end(all ? "You have logged out on every device." : "You have logged out.");
  }

  /**
   * forget ends the session here without asking authgate, for when authgate has ended it already
   * (the account was deleted, a password reset ended every session). "ended" fires with message.
   */
  forget(message) {
    this.#end(message);
  }

  #locked(fn) {
    return navigator.locks ? navigator.locks.request(LOCK, fn) : fn();
  }

  async #rotate() {
    let body = {};
    if (this.mode === "localstorage") {
      // Read under the lock: another tab may just have rotated it.
      const refresh = this.#storage.getItem(KEY_REFRESH);
      if (!refresh) throw this.#end(ENDED);
      body = { refresh };
    }
    let data;
    try {
      data = await this.#api.call("POST", "/api/token/refresh/", { body });
    } catch (err) {
      // 401: the refresh token expired or was revoked (log out everywhere, a password change);
      // 400: there is none (no cookie).
      if (err instanceof ApiError && (err.status === 401 || err.status === 400)) {
        throw this.#end(ENDED, err);
      }
      throw err;
    }
    if (this.mode === "localstorage") {
      // Without ROTATE_REFRESH_TOKENS the answer has no new refresh token: keep the old one.
      if (typeof data.refresh === "string") this.#storage.setItem(KEY_REFRESH, data.refresh);
      this.#storage.setItem(KEY_ACCESS, data.access);
    }
    this.refreshes++;
    this.#setAccess(data.access);
    return data.access;
  }

  /**
   * begin starts the session from a login's answer ({access, refresh}, or {access} in cookie
   * mode, where authgate set the cookie) and answers the user. Every way to log in ends here:
   * the password, the e-mailed code, and any other door whose answer is SimpleJWT's token body.
   */
  async begin(data) {
    if (typeof data?.access !== "string") throw new Error("authgate sent no access token.");
    if (this.mode === "localstorage") {
      if (typeof data.refresh !== "string") {
        throw new Error("authgate keeps the refresh token in a cookie (AUTHGATE_REFRESH_COOKIE=true): " +
          "run this app with --mode cookie.");
      }
      this.#storage.setItem(KEY_REFRESH, data.refresh);
      this.#storage.setItem(KEY_ACCESS, data.access);
    }
    // In cookie mode a refresh token in the body (AUTHGATE_REFRESH_COOKIE_BODY) is ignored.
    this.refreshes = 0;
    this.#setAccess(data.access);
    return this.me();
  }

  #setAccess(access) {
    this.#access = access;
    clearTimeout(this.#timer);
    const delay = renewDelay(access, this.#api.serverNow());
    this.nextRefreshAt = Date.now() + delay;
    this.#timer = setTimeout(() => this.#renew(), delay);
    this.#changed();
  }

  async #renew() {
    try {
      await this.refresh();
    } catch (err) {
      if (err instanceof SessionEnded) return;
      // authgate unreachable or throttling: keep the session and try again.
      const wait = err instanceof ApiError && err.retryAfter ? err.retryAfter * 1000 : 5000;
      clearTimeout(this.#timer);
      this.nextRefreshAt = Date.now() + wait;
      this.#timer = setTimeout(() => this.#renew(), wait);
      this.dispatchEvent(new CustomEvent("trouble", { detail: err }));
    }
  }

  // #end forgets the session and tells the page. Finding no session while restoring one is not
  // news, so it ends without a message.
  #end(message, cause) {
    if (!this.signedIn && message === ENDED) message = "";
    clearTimeout(this.#timer);
    this.#access = "";
    this.user = null;
    this.nextRefreshAt = 0;
    this.#storage.removeItem(KEY_REFRESH);
    this.#storage.removeItem(KEY_ACCESS);
    this.dispatchEvent(new CustomEvent("ended", { detail: { message } }));
    return new SessionEnded(message, cause);
  }

  #changed() {
    this.dispatchEvent(new Event("change"));
  }
}
