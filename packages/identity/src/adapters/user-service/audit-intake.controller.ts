import { Body, Controller, HttpCode, Post, VERSION_NEUTRAL } from '@nestjs/common';
import { isUuid, ValidationFailed } from '@latchkey/shared-kernel';
import { PROFILE_EVENT_TYPES, type ProfileEventType } from '@latchkey/user-profile';
import type { ForwardedAuthEvent } from '../../application/ports';
import { RecordForwardedAuditEvents } from '../../application/record-forwarded-audit-events';

const MAX_EVENTS = 100;
const PROFILE_TYPES: ReadonlySet<string> = new Set(PROFILE_EVENT_TYPES);

const text = (value: unknown, max: number): value is string | null =>
  value === null || (typeof value === 'string' && value.length <= max);

/** The user service's records, as AuditForwarder sends them; only user-profile's event types. */
function forwardedEventsOf(value: unknown): ForwardedAuthEvent[] {
  const refused = () =>
    new ValidationFailed([
      { field: 'events', message: `events must be 1 to ${MAX_EVENTS} of user-profile's audit records` },
    ]);
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_EVENTS) throw refused();
  return value.map((item: unknown) => {
    const { id, type, userId, occurredAt, ip, userAgent, requestId, data } = (item ?? {}) as Record<
      string,
      unknown
    >;
    const at = typeof occurredAt === 'string' ? new Date(occurredAt) : undefined;
    if (
      typeof id !== 'string' ||
      !isUuid(id) ||
      typeof type !== 'string' ||
      !PROFILE_TYPES.has(type) ||
      typeof userId !== 'string' ||
      !isUuid(userId) ||
      !at ||
      Number.isNaN(at.getTime()) ||
      !text(ip, 64) ||
      !text(userAgent, 1024) ||
      !text(requestId, 256) ||
      typeof data !== 'object' ||
      data === null ||
      Array.isArray(data)
    )
      throw refused();
    return {
      id,
      type: type as ProfileEventType,
      userId,
      sessionId: null,
      occurredAt: at,
      meta: { ip, userAgent, requestId },
      data: data as Record<string, unknown>,
    };
  });
}

/**
 * The user service's audit records, for the one trail operators query (internal callers only;
 * docs/decisions/0012-services-deployment.md, "Audit trail").
 */
@Controller({ path: 'internal', version: VERSION_NEUTRAL })
export class AuditIntakeController {
  constructor(private readonly intake: RecordForwardedAuditEvents) {}

  @Post('audit-events')
  @HttpCode(200)
  async record(@Body() body: { events?: unknown }): Promise<{ recorded: number }> {
    const events = forwardedEventsOf(body?.events);
    await this.intake.execute(events);
    return { recorded: events.length };
  }
}
