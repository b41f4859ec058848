// The identity module's door for tests: in-memory fakes of its ports for unit tests and for a
// deployment booted without user-profile, and the handles black-box suites reach into (to sign
// a token with the live key, to hash with production parameters, to run the rotation now).
// Production code never imports from here (a dependency-cruiser rule).
export { MemoryProfileDirectory, memoryIdentity, identitySettings, TEST_META } from './memory-identity';
export { anAccount, aSession } from './factories';
export * from './successor-seal-attack';
export { AccessTokenIssuer, PasswordHasher, SigningKeyStore } from '../application/ports';
export { activeKeyOf } from '../domain/signing-key';
export { Argon2PasswordHasher } from '../adapters/crypto/argon2-password-hasher';
export { SigningKeyRotationScheduler } from '../adapters/scheduling/signing-key-rotation.scheduler';
