// The HTTP calls to authgate, and the two ways they fail.

/** authgate answered with an error status; message is its "detail" or its field errors. */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(describe(status, body));
    this.name = "ApiError";
    this.status = status;
    this.body = body;
    this.code = typeof body?.code === "string" ? body.code : "";
    this.retryAfter = Number(retryAfter) || 0;
  }
}

/**
 * No answer reached the page: authgate is down, or the browser withheld its answer because this
 * origin is not in AUTHGATE_CORS_ALLOWED_ORIGINS (scripts cannot tell the two apart).
 */
export class NetworkError extends Error {
  constructor(base, cause) {
    super(`Cannot reach authgate at ${base}. Is it running, and is ${location.origin} ` +
      "listed in its AUTHGATE_CORS_ALLOWED_ORIGINS?");
    this.name = "NetworkError";
    this.cause = cause;
  }
}

// describe turns DRF's error bodies into one sentence: {"detail": "..."} or
// {"email": ["This field is required."]}.
function describe(status, body) {
  if (typeof body?.detail === "string") return body.detail;
  if (body && typeof body === "object") {
    const parts = Object.entries(body)
      .filter(([, v]) => Array.isArray(v))
      .map(([k, v]) => (k === "non_field_errors" ? "" : `${k.replaceAll("_", " ")}: `) + v.join(" "));
    if (parts.length) return parts.join(" ");
  }
  return `authgate answered ${status}.`;
}

/** Api calls authgate's JSON endpoints. */
export class Api {
  /**
   * @param {string} base authgate's base URL
   * @param {"include"|"omit"} credentials "include" in cookie mode: a cross-origin fetch sends
   *   and stores cookies only then (and authgate must answer Access-Control-Allow-Credentials)
   */
  constructor(base, credentials) {
    this.base = base.replace(/\/+$/, "");
    this.credentials = credentials;
    this.clockOffset = 0; // authgate's clock minus this page's, learnt from Date headers
  }

  /**
   * serverNow is the latest authgate's clock can read now, in milliseconds. Date has whole
   * seconds, so it adds one: a token's time left is never overestimated.
   */
  serverNow() {
    return Date.now() + this.clockOffset + 1000;
  }

  /** call sends a JSON request and returns the decoded answer, or throws ApiError/NetworkError. */
  async call(method, path, { body, token } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let resp;
    try {
      resp = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: this.credentials,
        mode: "cors",
        cache: "no-store",
      });
    } catch (err) {
      throw new NetworkError(this.base, err);
    }
    // authgate exposes Date to CORS scripts (Access-Control-Expose-Headers).
    const date = Date.parse(resp.headers.get("Date") ?? "");
    if (!Number.isNaN(date)) this.clockOffset = date - Date.now();
    const text = await resp.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!resp.ok) throw new ApiError(resp.status, data, resp.headers.get("Retry-After"));
    return data;
  }
}
