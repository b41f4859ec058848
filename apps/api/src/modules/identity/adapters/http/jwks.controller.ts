import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../../../../platform/config/app-config';
import { GetJwks } from '../../application/get-jwks';
import type { PublicJwk } from '../../domain/signing-key';

@Controller()
export class JwksController {
  constructor(
    private readonly getJwks: GetJwks,
    private readonly config: AppConfig,
  ) {}

  @Get(['jwks', '.well-known/jwks.json'])
  async jwks(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ keys: PublicJwk[] }> {
    void reply.header('cache-control', `public, max-age=${this.config.keys.jwksCacheTtlSeconds}`);
    return this.getJwks.execute();
  }
}
