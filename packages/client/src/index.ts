export {
  createLatchkeyClient,
  LatchkeyClient,
  type LatchkeyClientOptions,
  type SessionEvent,
  type SignOutReason,
} from './latchkey-client.js';
export { LatchkeyError } from './latchkey-error.js';
export { memoryStorage, type RefreshTokenStorage } from './refresh-token-storage.js';
export type { ChannelLike, LockManagerLike, TabEnvironment } from './tab-coordinator.js';
export type { ErrorCode, ErrorResponse, Session, TokenResponse, UserPublic } from './api-types.js';
