import { createHash } from 'node:crypto';
import { Controller, Get, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdentityConfig } from '../../identity-config';
import { GetJwks } from '../../application/signing-keys/get-jwks';

@Controller({ version: VERSION_NEUTRAL })
export class JwksController {
  constructor(
    private readonly getJwks: GetJwks,
    private readonly config: IdentityConfig,
  ) {}

  /**
   * Verifiers cache the set for max-age and revalidate with If-None-Match; the ETag changes with
   * the published keys, so a rotation is a 200 and an unchanged set a bodiless 304.
   */
  @Get(['jwks', '.well-known/jwks.json'])
  async jwks(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = JSON.stringify(await this.getJwks.execute());
    const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
    void reply
      .header('cache-control', `public, max-age=${this.config.keys.jwksCacheTtlSeconds}`)
      .header('etag', etag);
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      await reply.status(304).send();
      return;
    }
    await reply.type('application/json; charset=utf-8').send(body);
  }
}
