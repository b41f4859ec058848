import type { Principal } from './principal';

/**
 * Turns a bearer token into a principal, or throws InvalidAccessToken. Implemented by the identity
 * module; every module's HTTP adapters authenticate through it.
 */
export abstract class AccessTokenAuthenticator {
  abstract authenticate(token: string): Promise<Principal>;
}
