import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Context } from 'aws-lambda';
import type { Logger } from 'pino';
import {
  API_GATEWAY_MAX_BODY_BYTES,
  toApiGatewayEvent,
  writeApiGatewayError,
  writeApiGatewayResult,
} from './api-gateway-http';
import type { EnvironmentPool } from './environment-pool';

/** API Gateway HTTP API's integration timeout. */
const INTEGRATION_TIMEOUT_MS = 30_000;

/**
 * API Gateway and the Lambda service on this machine, in one HTTP server: each request becomes a
 * payload 2.0 event, is handled by an execution environment from `pool` (in this process), and
 * the function's result becomes the response. The environment then does the work after its
 * response (as the internal extension does on AWS) before it takes another request. Each
 * invocation writes Lambda's REPORT line (duration, and the init duration of a cold start).
 */
export function createLocalHarness(
  pool: EnvironmentPool,
  logger: Logger,
  options: {
    /**
     * Where each request comes from, as API Gateway sees it (`requestContext.http.sourceIp`): the
     * TCP peer. A test that plays clients at many addresses from one machine names them here.
     */
    sourceIp?: (request: IncomingMessage) => string;
  } = {},
): Server {
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      if (body === 'too large') return writeApiGatewayError(response, 413);
      const event = toApiGatewayEvent(request, body, new Date(), options.sourceIp);
      const { requestId } = event.requestContext;
      const context = lambdaContext(INTEGRATION_TIMEOUT_MS);
      let invocation;
      try {
        invocation = await pool.acquire();
      } catch (error) {
        logger.error(
          { apiGatewayRequestId: requestId, reason: (error as Error).message },
          'execution environment failed to start',
        );
        return writeApiGatewayError(response, 500, requestId);
      }
      const { environment, initMs } = invocation;
      const started = performance.now();
      try {
        const result = await withTimeout(environment.handle(event, context), INTEGRATION_TIMEOUT_MS);
        if (result === 'timed out') writeApiGatewayError(response, 504, requestId);
        else writeApiGatewayResult(response, result, requestId);
      } catch (error) {
        logger.error(
          { lambdaRequestId: context.awsRequestId, reason: (error as Error).message },
          'invocation failed',
        );
        writeApiGatewayError(response, 500, requestId);
      }
      const duration = performance.now() - started;
      try {
        await environment.settle();
      } finally {
        // Lambda's own line, by its invocation id (`requestId` is the API's field for X-Request-Id).
        logger.info(
          {
            lambdaRequestId: context.awsRequestId,
            apiGatewayRequestId: requestId,
            durationMs: round(duration),
            billedDurationMs: Math.ceil(performance.now() - started),
            ...(initMs === undefined ? {} : { initDurationMs: round(initMs) }),
          },
          'REPORT',
        );
        await pool.release(environment);
      }
    })().catch((error: unknown) => {
      logger.error({ reason: (error as Error).message }, 'local harness failed on a request');
      if (!response.headersSent) writeApiGatewayError(response, 500);
      else response.destroy();
    });
  });
  // What the HTTP parser cannot read (headers beyond 16 KiB, bytes that are not HTTP) never
  // reaches a function: API Gateway refuses it with a body of its own, as here.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ message: STATUS_CODES[status] });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\napigw-requestid: ${randomUUID()}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

function readBody(request: IncomingMessage): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= API_GATEWAY_MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(length > API_GATEWAY_MAX_BODY_BYTES ? 'too large' : Buffer.concat(chunks)),
    );
    request.on('error', reject);
  });
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** The invocation's context, as the Node.js runtime passes it (the handler reads awsRequestId). */
function lambdaContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const fail = () => {
    throw new Error('the callback API is not used');
  };
  return {
    awsRequestId: randomUUID(),
    functionName: 'latchkey-http',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:latchkey-http',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/latchkey-http',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}
