import type { Server } from 'node:http';
import request from 'supertest';
import { Contract, type ContractResponse } from './contract';

export const contract = new Contract();

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * supertest against the real app, with one addition: every response is checked against
 * docs/openapi.yaml (status documented, required headers, content type, body schema, traceId).
 */
export interface ContractClient {
  get(url: string): request.Test;
  post(url: string): request.Test;
  put(url: string): request.Test;
  patch(url: string): request.Test;
  delete(url: string): request.Test;
}

export function toContractResponse(response: request.Response): ContractResponse {
  const isJson = String(response.headers['content-type'] ?? '').includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: isJson ? response.body : response.text,
    text: response.text,
  };
}

export function contractClient(server: Server): ContractClient {
  const call = (method: Method) => (url: string) => {
    const agent = request(server);
    return agent[method](url).expect((response) => {
      const problems = contract.problems(method.toUpperCase(), url, toContractResponse(response));
      if (problems.length > 0)
        throw new Error(`Response breaks docs/openapi.yaml:\n  ${problems.join('\n  ')}`);
    });
  };
  return {
    get: call('get'),
    post: call('post'),
    put: call('put'),
    patch: call('patch'),
    delete: call('delete'),
  };
}
