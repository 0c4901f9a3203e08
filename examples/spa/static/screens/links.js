// What the pages opened from mailed links have in common.

import { ApiError } from "../api.js";

/**
 * linkError turns authgate's refusal of a link's uid or token into a sentence that says what to
 * do; anything else is passed on.
 */
export function linkError(err, what) {
  if (err instanceof ApiError && err.status === 400 && (err.body?.uid || err.body?.token)) {
    return new Error(`This link is not valid: it may have expired, been used already, or been ` +
      `copied incompletely. ${what}`);
  }
  return err;
}
