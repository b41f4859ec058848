import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_CATALOG, eventSchema } from '@latchkey/contracts';

const DOCS = path.resolve(__dirname, '..', '..', 'docs');
const SCHEMAS = path.join(DOCS, 'events', 'schemas');
const fileOf = (type: string) => path.join(SCHEMAS, `${type}.json`);
const render = (schema: unknown) => `${JSON.stringify(schema, null, 2)}\n`;

/**
 * The JSON Schemas published in docs/events/schemas are the contract package's, byte for byte,
 * and docs/events.md names every type. `UPDATE_EVENT_SCHEMAS=1` rewrites the files from the code.
 */
describe('event schemas in the docs', () => {
  if (process.env.UPDATE_EVENT_SCHEMAS === '1') {
    mkdirSync(SCHEMAS, { recursive: true });
    for (const definition of EVENT_CATALOG)
      writeFileSync(fileOf(definition.type), render(eventSchema(definition)));
  }

  it.each(EVENT_CATALOG.map((definition) => [definition.name, definition] as const))(
    '%s is published as docs/events/schemas/<type>.json',
    (_, definition) => {
      expect(existsSync(fileOf(definition.type))).toBe(true);
      expect(readFileSync(fileOf(definition.type), 'utf8')).toBe(render(eventSchema(definition)));
    },
  );

  it('has no schema file for a type the code does not publish', () => {
    const types = new Set(EVENT_CATALOG.map((definition) => `${definition.type}.json`));
    expect(readdirSync(SCHEMAS).filter((file) => !types.has(file))).toEqual([]);
  });

  it('docs/events.md names every event and its type', () => {
    const doc = readFileSync(path.join(DOCS, 'events.md'), 'utf8');
    for (const definition of EVENT_CATALOG) {
      const escaped = definition.type.replace(/\./g, '\\.');
      expect(doc).toMatch(new RegExp(`\\|\\s*${definition.name}\\s*\\|\\s*\`${escaped}\``));
    }
  });
});
