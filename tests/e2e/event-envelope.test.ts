import { DescribeEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { aUser, register } from '../support/auth';
import { EventSink, publishingTo, schemaErrorsOf, testExchange } from '../support/event-sink';
import { startTestApp, type TestApp } from '../support/test-app';

const REGISTERED = 'latchkey.identity.user.registered.v1';

/** Polls `found` every 25 ms for up to 15 s. */
async function eventually<T>(found: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('the event was not published in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * One schema for both publishers: a registration's `UserRegistered` as RabbitMQ carries it (the
 * broker on this machine) and as EventBridge would (PutEvents through the AWS SDK, answered by
 * aws-sdk-client-mock: AWS is not reachable here) is the same CloudEvents envelope, valid against
 * the published schema.
 */
describe('the event envelope, whichever publisher the relay uses', () => {
  const published: Record<string, { envelope: LatchkeyEvent; userId: string }> = {};

  it('through RabbitMQ: the body of the message is the envelope', async () => {
    const exchange = testExchange();
    const app = await startTestApp({ env: publishingTo(exchange) });
    const sink = new EventSink({ exchange, database: app.db.database, bindings: [REGISTERED] });
    try {
      await sink.consumer.start();
      const { id: userId } = await register(app, aUser());
      await sink.until((received) => received.some((event) => event.subject === userId));
      published.amqp = { envelope: sink.of(userId)[0]!, userId };
    } finally {
      await sink.consumer.stop();
      await app.close();
    }
  });

  it("through EventBridge: the entry's detail is the envelope, detail-type its type, source its module", async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
    eventBridge.on(DescribeEventBusCommand).resolves({ Name: 'latchkey-test' });
    let app: TestApp | undefined;
    try {
      app = await startTestApp({
        env: { EVENTBRIDGE_BUS_NAME: 'latchkey-test', AWS_REGION: 'eu-west-1', EVENTS_RELAY_POLL_MS: '100' },
      });
      const { id: userId } = await register(app, aUser());
      const entry = await eventually(() =>
        eventBridge
          .commandCalls(PutEventsCommand)
          .flatMap((call) => call.args[0].input.Entries ?? [])
          .find((candidate) => candidate.DetailType === REGISTERED),
      );
      expect(entry).toMatchObject({ EventBusName: 'latchkey-test', Source: 'latchkey.identity' });
      published.eventbridge = { envelope: JSON.parse(entry.Detail!) as LatchkeyEvent, userId };
      // Readiness asks the bus, as it asks RabbitMQ.
      const ready = await app.api.get('/health/ready').expect(200);
      expect(JSON.stringify(ready.body)).toContain('broker');
    } finally {
      await app?.close();
      eventBridge.restore();
    }
  });

  it('is the same envelope from both: schema-valid, the same fields, the same shape of data', () => {
    const { amqp, eventbridge } = published;
    expect(amqp && eventbridge).toBeTruthy();
    for (const { envelope, userId } of [amqp!, eventbridge!]) {
      expect(schemaErrorsOf(envelope)).toBe('');
      expect(envelope).toMatchObject({
        specversion: '1.0',
        type: REGISTERED,
        source: '/latchkey/identity',
        subject: userId,
        datacontenttype: 'application/json',
      });
    }
    const shape = (event: LatchkeyEvent) => ({
      fields: Object.keys(event).sort(),
      data: Object.keys(event.data).sort(),
    });
    expect(shape(eventbridge!.envelope)).toEqual(shape(amqp!.envelope));
  });
});
