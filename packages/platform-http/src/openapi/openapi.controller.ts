import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { OpenApiSpec } from './openapi-spec';

@Controller({ version: VERSION_NEUTRAL })
export class OpenApiController {
  constructor(private readonly spec: OpenApiSpec) {}

  /** The hand-authored contract, byte for byte as committed. */
  @Get('openapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  yaml(): string {
    return this.spec.text;
  }
}
