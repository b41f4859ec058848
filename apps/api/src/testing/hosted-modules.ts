import type { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';

/** The names of the Nest modules an application's container holds, sorted. */
export function hostedModules(app: INestApplicationContext): string[] {
  return [...app.get(ModulesContainer).values()].map((module) => module.metatype.name).sort();
}
