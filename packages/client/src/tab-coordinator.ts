/** What one tab tells the others of the same origin about the session they share (cookie mode). */
export type TabMessage =
  | { type: 'refreshing' }
  | { type: 'tokens'; token: string; expiresAt: number; staleAt: number }
  | { type: 'signed-out' };

/** The part of the Web Locks API used here (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable?: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
}

/** The part of BroadcastChannel used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** What the coordinator takes from its environment: the browser's globals, or a test's. */
export interface TabEnvironment {
  locks?: LockManagerLike;
  openChannel?: (name: string) => ChannelLike;
}

/** How long a tab waits for another tab's refresh to reach it before doing its own. */
const PEER_REFRESH_WAIT_MS = 3_000;
/**
 * A tab that refreshed keeps the lock this much longer: its result, posted on the channel, then
 * reaches the other tabs before any of them can take the lock and rotate the cookie again.
 */
const HOLD_AFTER_REFRESH_MS = 50;

export function browserTabEnvironment(): TabEnvironment {
  const scope = globalThis as unknown as {
    navigator?: { locks?: LockManagerLike };
    BroadcastChannel?: new (name: string) => ChannelLike;
  };
  const Channel = scope.BroadcastChannel;
  return {
    locks: scope.navigator?.locks,
    openChannel: Channel ? (name) => new Channel(name) : undefined,
  };
}

/**
 * Keeps the tabs of one origin from rotating the shared refresh cookie more than once for one
 * expiry. A tab refreshes under a Web Lock; a tab that finds the lock taken does not queue for it
 * but waits for the holder's result, which every tab receives on a BroadcastChannel (as they
 * receive a sign-out). Where Web Locks are missing, a tab announces its refresh on the channel
 * and the others wait for its result the same way; two tabs that still race present the same
 * token, and the server's reuse grace window gives both the same successor.
 */
export class TabCoordinator {
  private readonly channel: ChannelLike | undefined;
  private waiting: (() => void)[] = [];
  private peerRefreshingUntil = 0;

  constructor(
    private readonly name: string,
    private readonly environment: TabEnvironment,
    onMessage: (message: TabMessage) => void,
  ) {
    this.channel = environment.openChannel?.(name);
    if (this.channel)
      this.channel.onmessage = ({ data }) => {
        const message = data as TabMessage;
        if (message.type === 'refreshing') {
          this.peerRefreshingUntil = Date.now() + PEER_REFRESH_WAIT_MS;
          return;
        }
        this.peerRefreshingUntil = 0;
        onMessage(message);
        for (const wake of this.waiting.splice(0)) wake();
      };
  }

  publish(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  /**
   * Runs `work` (a refresh) unless another tab is refreshing, in which case it first waits for
   * that tab's result; `work` returns early when that result gave it a fresh token, and
   * `satisfied` says so without taking the lock.
   */
  async exclusive<T>(work: () => Promise<T>, satisfied: () => boolean): Promise<T> {
    const { locks } = this.environment;
    if (locks) {
      const alone = await this.underLock(locks, { ifAvailable: true }, work);
      if (alone) return alone.result;
      await this.peerResult();
      if (satisfied()) return work();
      return (await this.underLock(locks, {}, work))!.result;
    }
    if (Date.now() < this.peerRefreshingUntil) await this.peerResult();
    this.publish({ type: 'refreshing' });
    return work();
  }

  close(): void {
    this.channel?.close();
    for (const wake of this.waiting.splice(0)) wake();
  }

  /**
   * `work` under the lock, its result as soon as it has one; the lock itself is held a little
   * longer (see HOLD_AFTER_REFRESH_MS). Undefined when `ifAvailable` found the lock taken.
   */
  private underLock<T>(
    locks: LockManagerLike,
    options: { ifAvailable?: boolean },
    work: () => Promise<T>,
  ): Promise<{ result: T } | undefined> {
    return new Promise((resolve, reject) => {
      locks
        .request(this.name, options, async (lock) => {
          if (!lock) return resolve(undefined);
          await work().then((result) => resolve({ result }), reject);
          await new Promise((held) => setTimeout(held, HOLD_AFTER_REFRESH_MS));
        })
        .catch(reject);
    });
  }

  /** The next result another tab posts (tokens or a sign-out), or nothing within the wait. */
  private peerResult(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PEER_REFRESH_WAIT_MS);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
