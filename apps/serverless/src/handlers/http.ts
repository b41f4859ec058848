import type { Context } from 'aws-lambda';
import { AfterResponse } from '../after-response';
import { configAtInit } from '../init';
import { type HttpEvent, type HttpResult, LambdaEnvironment } from '../lambda-environment';

export interface HttpFunction {
  environment: LambdaEnvironment;
  afterResponse: AfterResponse;
}

/**
 * The HTTP function's init, once per execution environment: configuration and secrets, the
 * application and its pool, and the after-response extension (registered before the runtime asks
 * for its first event: the bundle's entry awaits this at the top level, in Lambda's init phase).
 */
export async function initHttpFunction(): Promise<HttpFunction> {
  const { config, logger } = await configAtInit();
  const afterResponse = await AfterResponse.register({
    runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API,
    onError: (error) => logger.error({ reason: error.message }, 'work after the response failed'),
  });
  return { environment: await LambdaEnvironment.create({ config, logger }), afterResponse };
}

/** One invocation: API Gateway HTTP API (payload format 2.0), any route. */
export async function handleHttp(
  { environment, afterResponse }: HttpFunction,
  event: HttpEvent,
  context: Context,
): Promise<HttpResult> {
  try {
    return await environment.handle(event, context);
  } finally {
    await afterResponse.after(context.awsRequestId, () => environment.settle());
  }
}
