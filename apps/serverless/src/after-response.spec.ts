import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AfterResponse } from './after-response';

/**
 * A stand-in for the Lambda Extensions API (2020-01-01) as its documentation describes it: register
 * answers the extension's id in a header; event/next is held open until the next invocation
 * starts, and an environment freezes only once every extension has called it again.
 */
class FakeExtensionsApi {
  readonly registrations: Array<{ name: string | undefined; body: unknown }> = [];
  private server!: Server;
  private pending: Array<(event: object) => void> = [];
  private nextCalls = 0;
  private nextWaiters: Array<() => void> = [];

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (request.url === '/2020-01-01/extension/register' && request.method === 'POST') {
          this.registrations.push({
            name: request.headers['lambda-extension-name'] as string,
            body: JSON.parse(body),
          });
          response.writeHead(200, {
            'lambda-extension-identifier': 'ext-1',
            'content-type': 'application/json',
          });
          response.end('{}');
          return;
        }
        if (
          request.url === '/2020-01-01/extension/event/next' &&
          request.headers['lambda-extension-identifier'] === 'ext-1'
        ) {
          this.nextCalls += 1;
          for (const waiter of this.nextWaiters.splice(0)) waiter();
          this.pending.push((event) => {
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end(JSON.stringify(event));
          });
          return;
        }
        response.writeHead(403).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Starts an invocation: the extension's pending event/next gets INVOKE. */
  invoke(requestId: string): void {
    const deliver = this.pending.shift();
    if (!deliver) throw new Error('the extension is not waiting for an event');
    deliver({ eventType: 'INVOKE', requestId, deadlineMs: Date.now() + 30_000 });
  }

  /** Resolves once the extension has called event/next `count` times in all (it is done with the last invocation). */
  async nextCalled(count: number): Promise<void> {
    while (this.nextCalls < count) await new Promise<void>((resolve) => this.nextWaiters.push(resolve));
  }

  get calls(): number {
    return this.nextCalls;
  }

  async stop(): Promise<void> {
    for (const deliver of this.pending.splice(0)) deliver({ eventType: 'SHUTDOWN' });
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('AfterResponse (an internal Lambda extension)', () => {
  let api: FakeExtensionsApi;
  let runtimeApi: string;
  const errors: Error[] = [];

  beforeEach(async () => {
    api = new FakeExtensionsApi();
    runtimeApi = await api.start();
    errors.length = 0;
  });
  afterEach(() => api.stop());

  it('registers for INVOKE only, under its name, during init', async () => {
    await AfterResponse.register({ runtimeApi, onError: (error) => errors.push(error) });
    expect(api.registrations).toEqual([{ name: 'latchkey-after-response', body: { events: ['INVOKE'] } }]);
    await api.nextCalled(1);
  });

  it('lets the handler return at once, runs the work after it, and asks for the next event only when the work is done', async () => {
    const after = await AfterResponse.register({ runtimeApi, onError: (error) => errors.push(error) });
    await api.nextCalled(1);
    api.invoke('request-1');
    let finish!: () => void;
    const steps: string[] = [];
    const work = () =>
      new Promise<void>((resolve) => {
        steps.push('work started');
        finish = () => {
          steps.push('work done');
          resolve();
        };
      });
    // The handler's `after` returns without waiting for the work: the response is not held.
    await after.after('request-1', work);
    steps.push('handler returned');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(steps).toEqual(['handler returned', 'work started']);
    // The environment may not freeze yet: the extension has not asked for its next event.
    expect(api.calls).toBe(1);
    finish();
    await api.nextCalled(2);
    expect(steps).toEqual(['handler returned', 'work started', 'work done']);
    expect(errors).toEqual([]);
  });

  it('pairs work with its invocation whichever arrives first, and reports a failed work without stopping', async () => {
    const after = await AfterResponse.register({ runtimeApi, onError: (error) => errors.push(error) });
    await api.nextCalled(1);
    // The handler finished before the extension heard of the invocation.
    await after.after('request-2', () => Promise.reject(new Error('relay down')));
    api.invoke('request-2');
    await api.nextCalled(2);
    expect(errors.map((error) => error.message)).toEqual(['relay down']);
    const ran: string[] = [];
    api.invoke('request-3');
    await after.after('request-3', async () => {
      ran.push('request-3');
    });
    await api.nextCalled(3);
    expect(ran).toEqual(['request-3']);
  });

  it('refuses to start when the Extensions API refuses the registration', async () => {
    await expect(
      AfterResponse.register({
        runtimeApi,
        onError: () => undefined,
        fetch: () => Promise.resolve(new Response('{}', { status: 403 })),
      }),
    ).rejects.toThrow('the Extensions API refused the registration (403)');
  });

  it('off Lambda (no runtime API), runs the work before the handler returns', async () => {
    const after = await AfterResponse.register({ runtimeApi: undefined, onError: () => undefined });
    const ran: string[] = [];
    await after.after('local', async () => {
      ran.push('work');
    });
    expect(ran).toEqual(['work']);
  });
});
