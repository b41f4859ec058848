import { type DynamicModule, Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';
import { OpenApiSpec } from './openapi-spec';

@Module({})
export class OpenApiModule {
  static forRoot(spec: OpenApiSpec): DynamicModule {
    return {
      module: OpenApiModule,
      controllers: [OpenApiController],
      providers: [{ provide: OpenApiSpec, useValue: spec }],
    };
  }
}
