import type { components, paths } from './generated/openapi.js';

/**
 * The contract's types, as openapi-typescript generates them from docs/openapi.yaml. Each call of
 * the client names its path and method here, so a path or schema changed in the contract fails
 * the client's build until the client follows it (`pnpm --filter @latchkey/client generate`).
 */
type Schemas = components['schemas'];

export type TokenResponse = ResponseBody<'/v1/auth/refresh', 'post', 200>;
export type UserPublic = Schemas['UserPublic'];
export type Session = Schemas['Session'];
export type ErrorResponse = Schemas['ErrorResponse'];
export type ErrorCode = Schemas['ErrorCode'];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The JSON body an operation takes. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** The JSON body of an operation's response with `status`. */
export type ResponseBody<P extends keyof paths, M extends Method, S extends number> =
  Operation<P, M> extends { responses: { [K in S]: { content: { 'application/json': infer B } } } }
    ? B
    : never;

export type ApiPath = keyof paths;

/**
 * Compile-time: each operation the client calls resolves to a schema. A path renamed in the
 * contract would make its type `never`, which any value satisfies, so it is refused here instead.
 */
type Resolved<T> = [T] extends [never] ? 'unresolved' : 'resolved';
type Assert<T extends 'resolved'> = T;
export type ClientOperationsResolve = [
  Assert<Resolved<RequestBody<'/v1/auth/register', 'post'>>>,
  Assert<Resolved<ResponseBody<'/v1/auth/register', 'post', 201>>>,
  Assert<Resolved<RequestBody<'/v1/auth/login', 'post'>>>,
  Assert<Resolved<ResponseBody<'/v1/auth/login', 'post', 200>>>,
  Assert<Resolved<ResponseBody<'/v1/auth/refresh', 'post', 200>>>,
  Assert<Resolved<RequestBody<'/v1/auth/logout', 'post'>>>,
  Assert<Resolved<ResponseBody<'/v1/auth/me', 'get', 200>>>,
  Assert<Resolved<ResponseBody<'/v1/auth/sessions', 'get', 200>>>,
  Assert<Resolved<RequestBody<'/v1/auth/password-reset/request', 'post'>>>,
  Assert<Resolved<RequestBody<'/v1/auth/password-reset/confirm', 'post'>>>,
  Assert<Resolved<RequestBody<'/v1/auth/verify/request', 'post'>>>,
  Assert<Resolved<RequestBody<'/v1/auth/verify/confirm', 'post'>>>,
  Assert<Resolved<RequestBody<'/v1/auth/password/change', 'post'>>>,
];
