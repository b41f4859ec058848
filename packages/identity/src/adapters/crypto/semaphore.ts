/** Caps concurrent work; the rest waits in FIFO order. */
export class Semaphore {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  constructor(capacity: number) {
    this.available = capacity;
  }

  /** How many are waiting for a slot (the password-hash queue an operator watches). */
  get queued(): number {
    return this.waiting.length;
  }

  /** `acquired` is called once `work` has its slot, before it starts (to time the wait). */
  async run<T>(work: () => Promise<T>, acquired?: () => void): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      acquired?.();
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.available++;
    }
  }
}
