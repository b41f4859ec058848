import type { ErrorCode, ErrorDetail } from '@latchkey/contracts';
import { activeTraceHeaders, requestContext } from '@latchkey/platform';
import { DomainError, ServiceUnavailable } from '@latchkey/shared-kernel';
import { REQUEST_ID_HEADER } from '../http/request-id';
import { INTERNAL_TOKEN_HEADER, type InternalTokenIssuer } from './internal-tokens';

/** The other service did not answer, or failed: the client's request can be retried. */
export class PeerUnavailable extends ServiceUnavailable {
  constructor(readonly reason: string) {
    super('A Latchkey service this request needs is unavailable; retry shortly', { retryAfterSeconds: 1 });
  }
}

/** A 4xx the other service answered, passed on to the client as it was said. */
export class PeerRefused extends DomainError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details?: ErrorDetail[],
  ) {
    super(message, details ? { details } : {});
  }
}

/** How long a call may take before it counts as the peer being down. */
const TIMEOUT_MS = 5_000;

/**
 * Calls another service of the services deployment: each request with a fresh internal token
 * addressed to it, the request id of the request being served, and its trace context
 * (`traceparent`), so the peer's spans join the caller's trace. A 404 is `undefined`; another 4xx
 * is rethrown as the peer said it (PeerRefused); no answer, a 5xx or a 401 (the internal
 * credentials are misconfigured) is PeerUnavailable (503).
 */
export class InternalHttpClient {
  constructor(
    private readonly baseUrl: string,
    private readonly audience: string,
    private readonly issuer: InternalTokenIssuer,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T | undefined> {
    const headers: Record<string, string> = {
      ...activeTraceHeaders(),
      [INTERNAL_TOKEN_HEADER]: await this.issuer.issue(this.audience),
      accept: 'application/json',
    };
    const requestId = requestContext.getStore()?.requestId;
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new PeerUnavailable(
        `${this.audience}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (response.status === 404) return undefined;
    if (response.status === 204) return undefined;
    const payload = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.ok) return payload as T;
    // A 401 is this deployment's internal credentials failing, not the client's doing: a 503.
    const refused = response.status >= 400 && response.status < 500 && response.status !== 401;
    if (refused && typeof payload?.code === 'string') {
      throw new PeerRefused(
        payload.code as ErrorCode,
        String(payload.message ?? ''),
        payload.details as ErrorDetail[] | undefined,
      );
    }
    throw new PeerUnavailable(`${this.audience}: ${method} ${path} answered ${response.status}`);
  }
}
