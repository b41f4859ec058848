import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}

/** docs/openapi.yaml, read once at start-up: the single source of truth for the HTTP contract. */
export class OpenApiSpec {
  constructor(
    readonly text: string,
    readonly document: OpenApiDocument,
  ) {}

  static load(file: string): OpenApiSpec {
    const text = readFileSync(file, 'utf8');
    return new OpenApiSpec(text, parse(text) as OpenApiDocument);
  }
}
