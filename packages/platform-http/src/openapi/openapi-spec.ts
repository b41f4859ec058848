import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Beside the YAML in a deployment bundle: its parse, made at bundle time (`parsedForm`). */
const PARSED_SUFFIX = '.parsed.json';

/** docs/openapi.yaml, read once at start-up: the single source of truth for the HTTP contract. */
export class OpenApiSpec {
  constructor(
    readonly text: string,
    readonly document: OpenApiDocument,
  ) {}

  static load(file: string): OpenApiSpec {
    const text = readFileSync(file, 'utf8');
    return new OpenApiSpec(text, parsedBeside(file, text) ?? (parse(text) as OpenApiDocument));
  }

  /**
   * What a bundle ships beside the YAML (as `<file>.parsed.json`) so that a cold start does not
   * parse 90 kB of YAML (some 160 ms of a Lambda init): the document as JSON, with the digest of
   * the text it was parsed from. `load` takes it only while the digest matches the YAML beside it.
   */
  static parsedForm(file: string): { file: string; contents: string } {
    const text = readFileSync(file, 'utf8');
    return {
      file: file + PARSED_SUFFIX,
      contents: JSON.stringify({ sha256: digestOf(text), document: parse(text) as OpenApiDocument }),
    };
  }
}

function parsedBeside(file: string, text: string): OpenApiDocument | undefined {
  let parsed: { sha256?: string; document?: OpenApiDocument };
  try {
    parsed = JSON.parse(readFileSync(file + PARSED_SUFFIX, 'utf8')) as typeof parsed;
  } catch {
    return undefined; // none: an ordinary checkout
  }
  return parsed.sha256 === digestOf(text) ? parsed.document : undefined;
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
