import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Metrics, requestContext } from '@latchkey/platform';
import { type InternalHttpClient, PeerRefused } from '@latchkey/platform-http';
import { DeliveryFailed, OutboxRelay, outboxMetrics, type RetryPolicy } from '@latchkey/platform-messaging';
import type { Clock } from '@latchkey/shared-kernel';
import type { AuditForwardOutbox, ClaimedAuditRecord } from './audit-forward-outbox';

export interface AuditForwarderOptions {
  retry: Omit<RetryPolicy, 'maxAttempts'>;
  /** How often to look for records to retry; undefined: never (an operator command's process). */
  pollIntervalMs: number | undefined;
  /** Delivered records are kept this long for operators, then purged. */
  retentionMs: number;
}

/**
 * Delivers the user service's audit records to the auth service's trail through the generic
 * outbox relay: right after the commit that wrote them, before the response (so the trail shows
 * a change once its request has been answered, as in the monolith), and on a poll for those that
 * failed. A user's records go in order; while the auth service cannot be reached the relay backs
 * off (EVENTS_RETRY_BASE doubling up to EVENTS_RETRY_MAX) and never gives up on a record it may yet
 * take (one it refuses, a 4xx, is given up at once), and the requests meanwhile are answered
 * without waiting on it.
 */
export class AuditForwarder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay<ClaimedAuditRecord>;

  constructor(
    outbox: AuditForwardOutbox,
    auth: InternalHttpClient,
    clock: Clock,
    metrics: Metrics,
    private readonly options: AuditForwarderOptions,
  ) {
    const logger = new Logger('AuditForward');
    this.relay = new OutboxRelay<ClaimedAuditRecord>({
      what: 'audit record',
      source: outbox,
      deliver: async (item) => {
        let answer: { recorded: number } | undefined;
        try {
          answer = await auth.call<{ recorded: number }>('POST', '/internal/audit-events', {
            events: [item.record],
          });
        } catch (error) {
          // Refused as it is (a 4xx): no retry can help, and the user's later records must not
          // wait behind it. Logged with the record's id; the row stays, `failed`, for operators.
          if (error instanceof PeerRefused) throw new DeliveryFailed(`refused: ${error.message}`, true);
          throw error;
        }
        if (answer === undefined) throw new DeliveryFailed('the auth service has no audit intake', false);
      },
      describe: (item) => ({ recordId: item.id, type: item.record.type }),
      retry: { ...options.retry, maxAttempts: Number.MAX_SAFE_INTEGER },
      clock,
      counters: outboxMetrics(
        metrics,
        {
          outbox: 'audit_forward',
          depth: 'latchkey_audit_forward_depth',
          oldestAge: 'latchkey_audit_forward_oldest_age_seconds',
        },
        () => outbox.waiting(),
        clock,
      ),
      log: {
        info: () => undefined,
        warn: (fields) => logger.warn(fields),
        error: (fields) => logger.error(fields),
      },
      leaseSeconds: 60,
      retentionMs: options.retentionMs,
      concurrent: true,
      pauseOnFailure: true,
    });
  }

  onApplicationBootstrap(): void {
    if (this.options.pollIntervalMs !== undefined) this.relay.start(this.options.pollIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  /**
   * Called after a commit that wrote records: the response waits until they have been tried
   * (`RequestContext.beforeResponse`); one that fails is the poll's to retry, not the client's error.
   * Not the auth service's own call (sign-up's organization): it is answered inside the auth
   * service's transaction, and the delivery to it may wait on that (an embedded database has one
   * connection).
   */
  committed(): void {
    this.relay.nudge();
    const context = requestContext.getStore();
    if (context && context.internalCaller !== 'auth-service')
      (context.beforeResponse ??= []).push(this.relay.idle());
  }

  /** Resolves once every record due now has been tried (tests and the shutdown path). */
  idle(): Promise<void> {
    return this.relay.idle();
  }
}
