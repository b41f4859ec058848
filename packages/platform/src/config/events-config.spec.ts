import { EnvReader } from './env-reader';
import { readPlatformConfig } from './app-config';

function eventsOf(env: Record<string, string>) {
  const read = new EnvReader({ NODE_ENV: 'test', ...env });
  return { events: readPlatformConfig(read).events, problems: read.problems };
}

describe('where the relay publishes: RabbitMQ or EventBridge, one of them', () => {
  it('takes an EventBridge bus by name or ARN', () => {
    expect(eventsOf({ EVENTBRIDGE_BUS_NAME: 'latchkey' })).toMatchObject({
      events: { amqpUrl: undefined, eventBridgeBus: 'latchkey' },
      problems: [],
    });
    const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/latchkey-prod';
    expect(eventsOf({ EVENTBRIDGE_BUS_NAME: arn }).events.eventBridgeBus).toBe(arn);
    expect(eventsOf({}).events).toMatchObject({ amqpUrl: undefined, eventBridgeBus: undefined });
  });

  it('refuses both at once, and a name EventBridge would refuse', () => {
    expect(
      eventsOf({ EVENTBRIDGE_BUS_NAME: 'latchkey', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' }).problems,
    ).toEqual([
      'EVENTBRIDGE_BUS_NAME: cannot be set beside AMQP_URL: events go to one of RabbitMQ or EventBridge; unset one',
    ]);
    expect(eventsOf({ EVENTBRIDGE_BUS_NAME: 'my bus!' }).problems).toEqual([
      'EVENTBRIDGE_BUS_NAME: must be an EventBridge bus name or ARN',
    ]);
  });
});
