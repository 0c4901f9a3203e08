// Djoser's account API, as authgate serves it under /auth/ (docs/accounts.md): the calls a
// frontend written for Django + SimpleJWT + Djoser makes, with Djoser's field names. Each answers
// what authgate answers (204s answer null) or throws ApiError with DRF's field errors, which the
// screens show next to their fields.

/** Where authgate serves Djoser's endpoints: AUTHGATE_DJOSER_PREFIX, /auth/ by default. */
export const DJOSER = "/auth/";

export class Accounts {
  #api;
  #session;

  /**
   * @param {import("./api.js").Api} api for the calls anyone may make (sign-up, links)
   * @param {import("./session.js").Session} session for the caller's own account
   */
  constructor(api, session) {
    this.#api = api;
    this.#session = session;
  }

  // Anyone: sign-up and the pages the mailed links open.

  /** signUp creates an inactive account and mails its activation link. */
  signUp({ email, password, re_password, first_name = "", last_name = "" }) {
    return this.#anyone("users/", { email, password, re_password, first_name, last_name });
  }

  resendActivation(email) {
    return this.#anyone("users/resend_activation/", { email });
  }

  activate(uid, token) {
    return this.#anyone("users/activation/", { uid, token });
  }

  /** resetPassword mails a reset link to an active account (204 whatever the address). */
  resetPassword(email) {
    return this.#anyone("users/reset_password/", { email });
  }

  resetPasswordConfirm(uid, token, new_password) {
    return this.#anyone("users/reset_password_confirm/", { uid, token, new_password });
  }

  /** confirmEmailChange follows the link set_email mailed to the new address (authgate's). */
  confirmEmailChange(uid, token) {
    return this.#anyone("users/set_email_confirm/", { uid, token });
  }

  // The caller's account (access token).

  /** me is Djoser's user: {first_name, last_name, id, email}. */
  me() {
    return this.#session.authorized("GET", DJOSER + "users/me/");
  }

  updateNames({ first_name, last_name }) {
    return this.#session.authorized("PATCH", DJOSER + "users/me/", { first_name, last_name });
  }

  /** setPassword ends every other session of the account; this one goes on. */
  setPassword({ current_password, new_password }) {
    return this.#session.authorized("POST", DJOSER + "users/set_password/", { new_password, current_password });
  }

  /**
   * setEmail asks for a new address. With AUTHGATE_EMAIL_CHANGE=verify (the default) authgate
   * mails it a link and nothing changes until it is followed; with immediate the address
   * changes at once.
   */
  setEmail({ current_password, new_email }) {
    return this.#session.authorized("POST", DJOSER + "users/set_email/", { current_password, new_email });
  }

  /** deleteAccount deletes the account; every token of it stops working at once. */
  deleteAccount(current_password) {
    return this.#session.authorized("DELETE", DJOSER + "users/me/", { current_password });
  }

  #anyone(path, body) {
    return this.#api.call("POST", DJOSER + path, { body });
  }
}
