/**
 * Work after a Lambda invocation's response, through an internal extension (the Extensions API,
 * 2020-01-01): the extension registers for INVOKE during init; Lambda returns the function's
 * response to API Gateway as soon as the handler resolves, and freezes the environment only once
 * every extension has asked for its next event. So the client does not wait for the mail and the
 * events its request queued, and the environment does not freeze with them half sent.
 *
 * Not on Lambda (no AWS_LAMBDA_RUNTIME_API), `after` runs the work before the handler returns.
 */
export class AfterResponse {
  private readonly work = new Map<string, () => Promise<void>>();
  private readonly waiting = new Map<string, (work: () => Promise<void>) => void>();

  private constructor(
    private readonly endpoint: string | undefined,
    private readonly extensionId: string | undefined,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Registers the extension (during init, before the runtime asks for its first event). */
  static async register(options: {
    runtimeApi: string | undefined;
    name?: string;
    onError: (error: Error) => void;
    fetch?: typeof fetch;
  }): Promise<AfterResponse> {
    if (!options.runtimeApi) return new AfterResponse(undefined, undefined, options.onError);
    const endpoint = `http://${options.runtimeApi}/2020-01-01/extension`;
    const response = await (options.fetch ?? fetch)(`${endpoint}/register`, {
      method: 'POST',
      headers: { 'Lambda-Extension-Name': options.name ?? 'latchkey-after-response' },
      // An internal extension can register for INVOKE only (SHUTDOWN is for external ones).
      body: JSON.stringify({ events: ['INVOKE'] }),
    });
    const extensionId = response.headers.get('lambda-extension-identifier');
    if (!response.ok || !extensionId)
      throw new Error(`the Extensions API refused the registration (${response.status})`);
    const after = new AfterResponse(endpoint, extensionId, options.onError);
    void after.loop(options.fetch ?? fetch);
    return after;
  }

  /** Called by the handler just before it returns the response of invocation `requestId`. */
  async after(requestId: string, work: () => Promise<void>): Promise<void> {
    if (!this.endpoint) return work();
    const waiter = this.waiting.get(requestId);
    if (waiter) {
      this.waiting.delete(requestId);
      waiter(work);
    } else this.work.set(requestId, work);
  }

  private async loop(fetcher: typeof fetch): Promise<void> {
    for (;;) {
      let event: { eventType?: string; requestId?: string };
      try {
        const response = await fetcher(`${this.endpoint}/event/next`, {
          headers: { 'Lambda-Extension-Identifier': this.extensionId! },
        });
        event = (await response.json()) as typeof event;
      } catch (error) {
        this.onError(error as Error);
        return;
      }
      // SHUTDOWN goes to external extensions only; should one come, the environment is ending.
      if (event.eventType === 'SHUTDOWN') return;
      if (event.eventType !== 'INVOKE' || !event.requestId) continue;
      const work = await this.workOf(event.requestId);
      // After the runtime has posted the response (the handler's promise settles first).
      await new Promise((resolve) => setImmediate(resolve));
      await work().catch((error: unknown) => this.onError(error as Error));
    }
  }

  private workOf(requestId: string): Promise<() => Promise<void>> {
    const ready = this.work.get(requestId);
    if (ready) {
      this.work.delete(requestId);
      return Promise.resolve(ready);
    }
    return new Promise((resolve) => this.waiting.set(requestId, resolve));
  }
}
