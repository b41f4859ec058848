import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { OpenApiSpec } from './openapi-spec';

const CONTRACT = path.resolve(__dirname, '../../../../docs/openapi.yaml');

describe('OpenApiSpec: the contract, parsed at start-up or at bundle time', () => {
  let file: string;
  beforeEach(() => {
    file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.yaml');
    writeFileSync(file, readFileSync(CONTRACT));
  });

  it('takes the parse a bundle ships beside the YAML, and it is the YAML’s own parse', () => {
    const parsed = OpenApiSpec.parsedForm(file);
    expect(parsed.file).toBe(`${file}.parsed.json`);
    writeFileSync(parsed.file, parsed.contents);
    const spec = OpenApiSpec.load(file);
    expect(spec.document).toEqual(parse(readFileSync(file, 'utf8')));
    expect(spec.text).toBe(readFileSync(CONTRACT, 'utf8'));
  });

  it('ignores a parse made from other text: the YAML beside it decides', () => {
    writeFileSync(
      `${file}.parsed.json`,
      JSON.stringify({ sha256: 'from another version', document: { openapi: '3.1.0', paths: {} } }),
    );
    expect(Object.keys(OpenApiSpec.load(file).document.paths).length).toBeGreaterThan(10);
    writeFileSync(`${file}.parsed.json`, 'not json');
    expect(Object.keys(OpenApiSpec.load(file).document.paths).length).toBeGreaterThan(10);
  });
});
