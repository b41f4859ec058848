// @latchkey/platform-http: the HTTP edge (pipeline, error mapping, bearer guard, idempotency, rate
// limits, OpenAPI, health, development pages). Its only door.
export * from './auth/bearer-auth.guard';
export * from './errors/error-response.filter';
export * from './errors/framework-errors';
export * from './errors/validation';
export * from './health/health.module';
export * from './http/api-version';
export * from './http/dev-account-pages';
export * from './http/http-pipeline';
export * from './http/request-id';
export * from './http/request-meta';
export * from './http/response-status';
export * from './idempotency/idempotency-store';
export * from './idempotency/idempotency.interceptor';
export * from './idempotency/idempotency.module';
export * from './internal-auth/internal-callers-only';
export * from './internal-auth/internal-tokens';
export * from './observability/use-case-span';
export * from './openapi/openapi-spec';
export * from './openapi/openapi.module';
export * from './openapi/route-catalog';
export * from './rate-limit/client-key';
export * from './rate-limit/rate-limit.guard';
export * from './rate-limit/rate-limit.module';
export { platformHttpMigrations } from './migrations';
