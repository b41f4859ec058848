/**
 * The identity use cases' ports, by family: abstract classes that Nest uses as DI tokens, bound
 * to adapters in identity.module.ts. Entities live in domain/, not here.
 */
export * from './settings';
export * from './accounts';
export * from './one-time-secrets';
export * from './sessions';
export * from './audit';
export * from './profiles';
export * from './claims-projection';
export * from './mail';
export * from './credentials';
export * from './tokens';
export * from './signing-keys';
export type { RequestMeta } from '@latchkey/shared-kernel';
export * from './outcomes';
