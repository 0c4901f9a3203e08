// Compile-time checks that the generated types say what the client assumes, so that a body
// resolving to `never` (which would let anything compile) fails tsc instead.
import type { components, operations } from "./schema";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Json<Op, S extends number> = Op extends { responses: { [K in S]: { content: { "application/json": infer B } } } }
  ? B
  : never;
type S = components["schemas"];

export type Checks = [
  Expect<Equal<Json<operations["obtainTokenPair"], 200>, S["TokenPair"] | S["TwoFactorChallenge"]>>,
  Expect<Equal<Json<operations["refreshTokenPair"], 200>, S["RefreshedPair"]>>,
  Expect<Equal<Json<operations["getMe"], 200>, S["Me"]>>,
  Expect<Equal<Json<operations["listSessions"], 200>, S["Session"][]>>,
  Expect<Equal<S["Me"]["last_login"], string | null>>,
  Expect<Equal<Json<operations["djoserSignUp"], 201>, S["DjoserCreatedUser"]>>,
  Expect<Equal<Json<operations["djoserGetUserMe"], 200>, S["DjoserUser"]>>,
  Expect<Equal<S["TokenPair"]["access"], string>>,
  Expect<Equal<S["TwoFactorChallenge"]["two_factor_required"], true>>,
  Expect<Equal<operations["getMe"]["responses"][401]["headers"]["WWW-Authenticate"], 'Bearer realm="api"'>>,
  Expect<Equal<S["AuthenticationError"]["code"], "token_not_valid" | "bad_authorization_header" | "user_not_found" | "user_inactive" | undefined>>,
];
