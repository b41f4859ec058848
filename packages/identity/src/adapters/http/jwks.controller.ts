import { createHash } from 'node:crypto';
import { Controller, Get, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdentityConfig } from '../../identity-config';
import { GetJwks } from '../../application/signing-keys/get-jwks';

/**
 * What a verifier configures itself from (OpenID Connect Discovery 1.0 §3, the fields a JWT
 * verifier reads): who issues the tokens and where their keys are. Latchkey is not an OAuth 2.0
 * authorization server: no authorization or token endpoint is claimed, and no response type
 * (tokens come from `POST /auth/login` and `/auth/refresh`). Access tokens are RFC 9068 JWTs
 * (`typ: at+jwt`), signed RS256; the claims they carry are listed.
 */
export function openIdConfiguration(issuer: string): Record<string, unknown> {
  const base = issuer.replace(/\/+$/, '');
  return {
    issuer,
    jwks_uri: `${base}/.well-known/jwks.json`,
    response_types_supported: [],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'jti',
      'sid',
      'roles',
      'permissions',
      'org_id',
      'org_roles',
      'org_permissions',
    ],
  };
}

@Controller({ version: VERSION_NEUTRAL })
export class JwksController {
  private readonly discovery: string;

  constructor(
    private readonly getJwks: GetJwks,
    private readonly config: IdentityConfig,
  ) {
    this.discovery = JSON.stringify(openIdConfiguration(config.auth.issuer));
  }

  /**
   * Verifiers cache the set for max-age and revalidate with If-None-Match; the ETag changes with
   * the published keys, so a rotation is a 200 and an unchanged set a bodiless 304.
   */
  @Get(['jwks', '.well-known/jwks.json'])
  async jwks(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sendCacheable(request, reply, JSON.stringify(await this.getJwks.execute()));
  }

  /** The discovery document, cached like the key set it points to. */
  @Get('.well-known/openid-configuration')
  async openIdConfiguration(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sendCacheable(request, reply, this.discovery);
  }

  private async sendCacheable(request: FastifyRequest, reply: FastifyReply, body: string): Promise<void> {
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
