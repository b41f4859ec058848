import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export const SPEC_FILE = path.resolve(__dirname, '..', '..', 'docs', 'openapi.yaml');
const SPEC_ID = 'https://latchkey.dev/openapi.yaml';
/** The canonical prefix of the versioned operations; docs/openapi.yaml writes it in their paths. */
export const VERSION_PREFIX = '/v1';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

type Json = Record<string, unknown>;

export interface ContractResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the response was JSON, raw text otherwise. */
  body: unknown;
  text: string;
}

export interface SpecOperation {
  method: string;
  path: string;
}

/**
 * docs/openapi.yaml as a test oracle: which operations exist, and whether a response (status,
 * headers, content type, body) is one the contract allows for the request that produced it.
 */
export class Contract {
  readonly document: Json;
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { path: string; pattern: RegExp; params: number }[];

  constructor(file = SPEC_FILE) {
    this.document = parse(readFileSync(file, 'utf8')) as Json;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ ...this.document, $id: SPEC_ID });
    this.templates = Object.keys(this.paths).map((template) => ({
      path: template,
      pattern: new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
      ),
      params: (template.match(/\{/g) ?? []).length,
    }));
  }

  get paths(): Record<string, Json> {
    return this.document.paths as Record<string, Json>;
  }

  operations(): SpecOperation[] {
    return Object.entries(this.paths).flatMap(([template, item]) =>
      METHODS.filter((method) => method in item).map((method) => ({
        method: method.toUpperCase(),
        path: template,
      })),
    );
  }

  /**
   * What the server also serves: every `/v1` operation without its prefix, as an alias that
   * answers as v1 does (info.description, "Versions").
   */
  aliases(): SpecOperation[] {
    return this.operations()
      .filter((operation) => operation.path.startsWith(`${VERSION_PREFIX}/`))
      .map((operation) => ({ ...operation, path: operation.path.slice(VERSION_PREFIX.length) }));
  }

  /**
   * The spec path template a concrete URL belongs to; literal segments beat parameters. An
   * unversioned URL of a versioned operation (the alias) belongs to the `/v1` template.
   */
  templateFor(url: string): string | undefined {
    const pathname = new URL(url, 'http://x').pathname;
    const match = (candidate: string) =>
      this.templates.filter((t) => t.pattern.test(candidate)).sort((a, b) => a.params - b.params)[0]?.path;
    return match(pathname) ?? match(`${VERSION_PREFIX}${pathname}`);
  }

  /** Validates a value against a named schema in components.schemas (e.g. ErrorResponse). */
  schemaProblems(name: string, value: unknown): string[] {
    const validate = this.validator(`/components/schemas/${escape(name)}`);
    return validate(value) ? [] : [this.ajv.errorsText(validate.errors, { separator: '; ' })];
  }

  /** Every mismatch between the response and the contract; empty when it conforms. */
  problems(method: string, url: string, response: ContractResponse): string[] {
    const template = this.templateFor(url);
    if (!template) return [`${method} ${url}: no path in the spec matches`];
    const operation = this.paths[template]?.[method.toLowerCase()] as Json | undefined;
    if (!operation) return [`${method} ${template}: the spec has no such operation`];

    const responses = operation.responses as Json;
    const key = String(response.status);
    const statusKey = key in responses ? key : `${key[0]}XX` in responses ? `${key[0]}XX` : 'default';
    const pointer = `/paths/${escape(template)}/${method.toLowerCase()}/responses/${escape(statusKey)}`;
    const found = this.resolve(pointer);
    if (!found) return [`${method} ${template}: status ${key} is not documented`];
    const { value: described, pointer: describedAt } = found;
    const where = `${method} ${template} → ${key}`;
    const problems: string[] = [];

    const headers = (described.headers ?? {}) as Json;
    for (const name of Object.keys(headers)) {
      const header = this.resolve(`${describedAt}/headers/${escape(name)}`);
      if (!header) continue;
      const actual = response.headers[name.toLowerCase()];
      if (actual === undefined) {
        if (header.value.required) problems.push(`${where}: required header ${name} is missing`);
        continue;
      }
      const validate = this.validator(`${header.pointer}/schema`);
      if (!validate(Array.isArray(actual) ? actual.join(', ') : actual)) {
        problems.push(`${where}: header ${name}="${String(actual)}" ${this.ajv.errorsText(validate.errors)}`);
      }
    }

    const content = described.content as Json | undefined;
    if (!content) {
      if (response.text.length > 0) problems.push(`${where}: documented without a body, but one was sent`);
      return problems;
    }
    const contentType =
      String(response.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim() ?? '';
    if (!(contentType in content)) {
      problems.push(
        `${where}: content type "${contentType}" is not one of ${Object.keys(content).join(', ')}`,
      );
      return problems;
    }
    const validate = this.validator(`${describedAt}/content/${escape(contentType)}/schema`);
    if (!validate(response.body)) {
      problems.push(`${where}: body ${this.ajv.errorsText(validate.errors, { separator: '; ' })}`);
    }
    if (response.status >= 400 && contentType === 'application/json') {
      const traceId = (response.body as { traceId?: unknown }).traceId;
      if (traceId !== response.headers['x-request-id']) {
        problems.push(`${where}: traceId ${String(traceId)} differs from X-Request-Id`);
      }
    }
    return problems;
  }

  /**
   * Every JSON request body and response of every operation must show an `example` that its
   * schema accepts, so Swagger UI shows real payloads and a stale example fails the suite. Other
   * media types (the YAML document itself, the Swagger UI page) need none.
   */
  exampleProblems(): string[] {
    const problems: string[] = [];
    for (const { method, path: template } of this.operations()) {
      const at = `/paths/${escape(template)}/${method.toLowerCase()}`;
      const where = `${method} ${template}`;
      const body = this.resolve(`${at}/requestBody`);
      if (body) problems.push(...this.mediaExampleProblems(body.pointer, `${where} request`));
      const responses = (this.resolve(`${at}/responses`)?.value ?? {}) as Json;
      for (const status of Object.keys(responses)) {
        const response = this.resolve(`${at}/responses/${escape(status)}`);
        if (response) problems.push(...this.mediaExampleProblems(response.pointer, `${where} → ${status}`));
      }
    }
    return [...new Set(problems)];
  }

  private mediaExampleProblems(pointer: string, where: string): string[] {
    const content = this.resolve(`${pointer}/content`)?.value;
    if (!content) return [];
    const problems: string[] = [];
    for (const type of Object.keys(content).filter((name) => name.includes('json'))) {
      const media = `${pointer}/content/${escape(type)}`;
      const example = (content[type] as Json).example;
      if (example === undefined) {
        problems.push(`${where} (${media}): no example`);
        continue;
      }
      const validate = this.validator(`${media}/schema`);
      if (!validate(example)) {
        problems.push(
          `${where} (${media}): example ${this.ajv.errorsText(validate.errors, { separator: '; ' })}`,
        );
      }
    }
    return problems;
  }

  /** Follows `$ref`s from a JSON pointer, returning the value and the pointer it really sits at. */
  private resolve(pointer: string): { value: Json; pointer: string } | undefined {
    let current = pointer;
    for (let hops = 0; hops < 10; hops++) {
      const value = current
        .split('/')
        .slice(1)
        .reduce<unknown>((node, part) => (node as Json | undefined)?.[unescape(part)], this.document) as
        Json | undefined;
      if (value === undefined) return undefined;
      if (typeof value.$ref !== 'string') return { value, pointer: current };
      current = value.$ref.slice(1);
    }
    throw new Error(`$ref cycle at ${pointer}`);
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

function escape(part: string): string {
  return part.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescape(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Served routes against documented operations, as `METHOD /path` lines, in both directions. */
export function compareRoutes(
  served: readonly SpecOperation[],
  documented: readonly SpecOperation[],
): { undocumented: string[]; unserved: string[] } {
  const key = (operation: SpecOperation) => `${operation.method} ${operation.path}`;
  const servedKeys = new Set(served.map(key));
  const documentedKeys = new Set(documented.map(key));
  return {
    undocumented: [...servedKeys].filter((route) => !documentedKeys.has(route)).sort(),
    unserved: [...documentedKeys].filter((route) => !servedKeys.has(route)).sort(),
  };
}
