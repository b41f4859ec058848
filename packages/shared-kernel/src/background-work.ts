/**
 * Work a use case starts but does not wait for: the request is answered first. For requests whose
 * answer must not depend on what the work finds (does this address have an account?): answered
 * before the lookup, their response time cannot tell either. Failures are logged, never thrown.
 */
export abstract class BackgroundWork {
  abstract run(name: string, work: () => Promise<void>): void;
}
