import { eventDefinition, type EventName, type LatchkeyEvent } from '@latchkey/contracts';
import { activeTraceparent } from '@latchkey/platform';
import type { OutgoingEvent } from './event-outbox';

/**
 * The outbox entry of one public event: its CloudEvents envelope (type and source from the
 * catalogue) and the key its order is kept within (by default the subject, a user).
 */
export function outgoingEvent(event: {
  name: EventName;
  subject: string;
  data: Record<string, unknown>;
  id: string;
  occurredAt: Date;
  requestId?: string | null;
  orderingKey?: string;
}): OutgoingEvent {
  const definition = eventDefinition(event.name);
  // The request's span when tracing: a consumer continues the trace of what caused the event.
  const traceparent = activeTraceparent();
  const envelope: LatchkeyEvent = {
    specversion: '1.0',
    id: event.id,
    source: definition.source,
    type: definition.type,
    subject: event.subject,
    time: event.occurredAt.toISOString(),
    datacontenttype: 'application/json',
    ...(event.requestId ? { requestid: event.requestId } : {}),
    ...(traceparent ? { traceparent } : {}),
    data: event.data,
  };
  return { envelope, orderingKey: event.orderingKey ?? event.subject };
}
