import { randomUUID } from 'node:crypto';

// Accept what tracing systems send (UUIDs, ULIDs, W3C-style hex ids), nothing that could forge
// log lines or headers: no spaces, no control characters, bounded length.
const ACCEPTABLE = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

export function requestIdFrom(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && ACCEPTABLE.test(candidate) ? candidate : randomUUID();
}
