import {
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { DeliveryFailed } from '../messaging/outbox-relay';
import { EventBridgeEventPublisher, eventBridgeSourceOf } from './eventbridge-event-publisher';

const anEvent = (overrides: Partial<LatchkeyEvent> = {}): LatchkeyEvent => ({
  specversion: '1.0',
  id: '0190a5b2-0000-7000-8000-000000000001',
  source: '/latchkey/identity',
  type: 'latchkey.identity.user.registered.v1',
  subject: '0190a5b2-0000-7000-8000-0000000000aa',
  time: '2026-12-04T19:00:00.000Z',
  datacontenttype: 'application/json',
  data: { userId: '0190a5b2-0000-7000-8000-0000000000aa' },
  ...overrides,
});

describe('EventBridgeEventPublisher: the outbox relay to an Amazon EventBridge bus', () => {
  const eventBridge = mockClient(EventBridgeClient);
  let publisher: EventBridgeEventPublisher;

  beforeEach(() => {
    eventBridge.reset();
    publisher = new EventBridgeEventPublisher('latchkey', new EventBridgeClient({ region: 'eu-west-1' }));
  });

  it('puts one entry per event: detail-type the type, source the module, detail the whole envelope', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const event = anEvent({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await publisher.publish(event);
    const [call] = eventBridge.commandCalls(PutEventsCommand);
    expect(call!.args[0].input.Entries).toEqual([
      {
        EventBusName: 'latchkey',
        Source: 'latchkey.identity',
        DetailType: 'latchkey.identity.user.registered.v1',
        Detail: JSON.stringify(event),
        Time: new Date('2026-12-04T19:00:00.000Z'),
      },
    ]);
    expect(eventBridgeSourceOf(anEvent({ source: '/latchkey/user-profile' }))).toBe('latchkey.user-profile');
  });

  it('fails the delivery, to be retried, when EventBridge refuses the entry or does not answer', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .rejectsOnce(new Error('connect ETIMEDOUT'))
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{}] });
    for (const reason of ['ThrottlingException Rate exceeded', 'connect ETIMEDOUT', 'no event id']) {
      const failure = await publisher.publish(anEvent()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DeliveryFailed);
      expect((failure as DeliveryFailed).permanent).toBe(false);
      expect((failure as DeliveryFailed).message).toContain(reason);
    }
  });

  it('reports the bus to readiness: a success remembered for 30 s, a failure asked again', async () => {
    eventBridge
      .on(DescribeEventBusCommand)
      .rejectsOnce(
        new ResourceNotFoundException({ message: 'Event bus latchkey does not exist.', $metadata: {} }),
      )
      .resolves({ Name: 'latchkey' });
    await expect(publisher.verify()).rejects.toThrow('Event bus latchkey does not exist.');
    await publisher.verify();
    await publisher.verify();
    expect(eventBridge.commandCalls(DescribeEventBusCommand).map((call) => call.args[0].input)).toEqual([
      { Name: 'latchkey' },
      { Name: 'latchkey' },
    ]);
  });
});
