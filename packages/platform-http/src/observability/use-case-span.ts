import { inSpan, recordingActiveSpan } from '@latchkey/platform';

type Handler = (...args: unknown[]) => unknown;

/**
 * `@UseCaseSpan('identity.refresh')` on a controller method: the handler, and so the one use case
 * it calls, runs in a span named after the user's intention. A child of the HTTP server span; the
 * use case's queries, argon2 runs and signatures are its children.
 *
 * The method itself is wrapped rather than going through a Nest interceptor: a route with an
 * interceptor pays for Nest's observable pipeline on every request, traced or not (the one this
 * replaced took a quarter of `/auth/me`'s CPU; docs/performance.md). Without tracing, or in a
 * sampled-out trace, the wrapper calls the handler and nothing else.
 */
export function UseCaseSpan(name: string): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as Handler;
    const traced = function (this: unknown, ...args: unknown[]): unknown {
      if (!recordingActiveSpan()) return handler.apply(this, args);
      return inSpan(name, async () => handler.apply(this, args));
    };
    // Nest keeps a route's metadata (path, verb, guards, status code) on the handler function: what
    // decorators applied before this one put there moves to the wrapper.
    for (const key of Reflect.getOwnMetadataKeys(handler))
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, handler), traced);
    Object.defineProperty(traced, 'name', { value: handler.name });
    descriptor.value = traced;
  };
}
