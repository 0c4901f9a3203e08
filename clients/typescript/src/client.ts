// A small typed client for authgate, over the types openapi-typescript generates from the
// OpenAPI document (src/schema.d.ts, made by `npm run generate`). CI compiles it with
// `tsc --strict`: when the document changes a body this client relies on, CI fails here.
import type { components, operations, paths } from "./schema";

type Schemas = components["schemas"];
export type TokenPair = Schemas["TokenPair"];
export type TwoFactorChallenge = Schemas["TwoFactorChallenge"];
export type RefreshedPair = Schemas["RefreshedPair"];
export type Me = Schemas["Me"];
export type Session = Schemas["Session"];
export type TwoFactorStatus = Schemas["TwoFactorStatus"];
export type Account = Schemas["DjoserUser"];

/** The JSON body of an operation's answer with the given status. */
type Body<Op, Status extends number> = Op extends {
  responses: { [S in Status]: { content: { "application/json": infer B } } };
}
  ? B
  : never;

/** The JSON request body of an operation. */
type Input<Op> = Op extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;

/** Any error body authgate sends: DRF's detail or field errors, SimpleJWT's token errors. */
export type ErrorBody =
  | Schemas["Error"]
  | Schemas["AuthenticationError"]
  | Schemas["TokenError"]
  | Schemas["ChallengeError"]
  | Record<string, string[]>;

/** An answer the client did not expect, with its status and body. */
export class AuthgateError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    readonly retryAfter: number | undefined,
  ) {
    super(describe(status, body));
  }
}

function describe(status: number, body: ErrorBody | undefined): string {
  if (body && "detail" in body && typeof body.detail === "string") {
    return `${status}: ${body.detail}`;
  }
  return `${status}: ${JSON.stringify(body)}`;
}

/** A path of the document with a POST operation. */
type PostPath = { [P in keyof paths]: paths[P] extends { post: object } ? P : never }[keyof paths];
/** A path of the document with a GET operation. */
type GetPath = { [P in keyof paths]: paths[P] extends { get: object } ? P : never }[keyof paths];

export class Client {
  constructor(
    readonly baseURL: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** POST /api/token/: tokens, or a two-factor challenge to finish with finishTwoFactor. */
  login(email: string, password: string): Promise<TokenPair | TwoFactorChallenge> {
    const body: Input<operations["obtainTokenPair"]> = { email, password };
    return this.post<Body<operations["obtainTokenPair"], 200>>("/api/token/", body);
  }

  /** POST /api/token/2fa/ with the challenge and the e-mailed (or a recovery) code. */
  finishTwoFactor(challenge: string, code: string): Promise<TokenPair> {
    const body: Input<operations["finishTwoFactorLogin"]> = { challenge, code };
    return this.post<Body<operations["finishTwoFactorLogin"], 200>>("/api/token/2fa/", body);
  }

  /** POST /api/token/refresh/: a new access token and the rotated refresh token. */
  refresh(refresh: string): Promise<RefreshedPair> {
    const body: Input<operations["refreshTokenPair"]> = { refresh };
    return this.post<Body<operations["refreshTokenPair"], 200>>("/api/token/refresh/", body);
  }

  /** POST /api/token/verify/: resolves when the token is valid. */
  async verify(token: string): Promise<void> {
    const body: Input<operations["verifyToken"]> = { token };
    await this.post<Body<operations["verifyToken"], 200>>("/api/token/verify/", body);
  }

  /** GET /api/me/: the caller. */
  me(access: string): Promise<Me> {
    return this.get<Body<operations["getMe"], 200>>("/api/me/", access);
  }

  /** GET /api/sessions/: the caller's live logins, its own marked current. */
  sessions(access: string): Promise<Session[]> {
    return this.get<Body<operations["listSessions"], 200>>("/api/sessions/", access);
  }

  /** POST /logout_token/: blacklist one refresh token, or every one of the caller's (all). */
  async logout(access: string, what: { refresh_token: string } | { all: true }): Promise<string> {
    const body: Input<operations["logout"]> = what;
    const res = await this.post<Body<operations["logout"], 200>>("/logout_token/", body, access);
    return res.status;
  }

  /** POST /auth/users/ (Djoser): a new, inactive account; the activation link goes by mail. */
  signUp(email: string, password: string): Promise<Body<operations["djoserSignUp"], 201>> {
    const body: Input<operations["djoserSignUp"]> = { email, password, re_password: password };
    return this.post<Body<operations["djoserSignUp"], 201>>("/auth/users/", body);
  }

  /** GET /auth/users/me/ (Djoser): the caller's account. */
  account(access: string): Promise<Account> {
    return this.get<Body<operations["djoserGetUserMe"], 200>>("/auth/users/me/", access);
  }

  /** GET /api/2fa/: the caller's two-factor settings. */
  twoFactorStatus(access: string): Promise<TwoFactorStatus> {
    return this.get<Body<operations["getTwoFactorStatus"], 200>>("/api/2fa/", access);
  }

  private post<T>(path: PostPath, body: object, access?: string): Promise<T> {
    return this.send<T>("POST", path, access, JSON.stringify(body));
  }

  private get<T>(path: GetPath, access?: string): Promise<T> {
    return this.send<T>("GET", path, access);
  }

  private async send<T>(method: string, path: string, access?: string, body?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (access !== undefined) headers["Authorization"] = `Bearer ${access}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    const res = await this.fetchFn(this.baseURL + path, init);
    const text = await res.text();
    const parsed: unknown = text === "" ? undefined : JSON.parse(text);
    if (!res.ok) {
      const retry = res.headers.get("Retry-After");
      throw new AuthgateError(res.status, parsed as ErrorBody | undefined, retry === null ? undefined : Number(retry));
    }
    return parsed as T;
  }
}

/** Whether a login answered with a two-factor challenge rather than tokens. */
export function isChallenge(r: TokenPair | TwoFactorChallenge): r is TwoFactorChallenge {
  return "two_factor_required" in r && r.two_factor_required === true;
}

/** Logs in (with the code when asked), shows the caller, and rotates the refresh token. */
export async function example(c: Client, email: string, password: string, askCode: () => Promise<string>): Promise<Me> {
  let tokens = await c.login(email, password);
  if (isChallenge(tokens)) {
    tokens = await c.finishTwoFactor(tokens.challenge, await askCode());
  }
  const me = await c.me(tokens.access);
  const lastLogin: string | null = me.last_login; // nullable in the document
  void lastLogin;
  if (tokens.refresh !== undefined) {
    const next = await c.refresh(tokens.refresh);
    await c.logout(next.access, { all: true });
  }
  return me;
}
