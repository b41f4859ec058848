// The broker's side of what the relay does, from a process of its own: events of the same shape
// published to the bench's exchange at a given rate, on a confirm channel, each user's one after
// another as the relay sends them. Run beside an API without AMQP_URL, it measures what RabbitMQ
// carrying that traffic on the same cores costs the endpoints, the API doing nothing for it.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const amqp = createRequire(new URL('../../../packages/platform-messaging/package.json', import.meta.url))(
  'amqplib',
);
const TICK_MS = 100;

process.once('message', async ({ url, exchange, perSecond, users }) => {
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  const subjects = Array.from({ length: users }, () => randomUUID());
  const publish = (subject) => {
    const id = randomUUID();
    const type = 'latchkey.identity.refresh_token.rotated.v1';
    const envelope = {
      specversion: '1.0',
      id,
      source: '/latchkey/identity',
      type,
      subject,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      requestid: randomUUID(),
      data: { userId: subject, sessionId: randomUUID(), generation: 1 },
    };
    return new Promise((resolve, reject) =>
      channel.publish(
        exchange,
        type,
        Buffer.from(JSON.stringify(envelope)),
        { persistent: true, messageId: id, type, contentType: 'application/cloudevents+json' },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  };
  let due = 0;
  let busy = false;
  const timer = setInterval(async () => {
    due += (perSecond * TICK_MS) / 1000;
    if (busy) return;
    busy = true;
    const count = Math.floor(due);
    due -= count;
    await Promise.all(
      subjects.map(async (subject, user) => {
        for (let n = user; n < count; n += users) await publish(subject);
      }),
    );
    busy = false;
  }, TICK_MS);
  process.send({ type: 'ready', value: {} });
  process.once('SIGTERM', async () => {
    clearInterval(timer);
    await connection.close().catch(() => undefined);
    process.exit(0);
  });
});
