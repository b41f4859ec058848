/**
 * Where body mode (mobile apps, Node tools) keeps the refresh token between runs. The access
 * token is never stored: it lives in the client's memory only.
 *
 * On mobile, back it with the platform's secure store: the iOS Keychain
 * (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`, so it neither syncs nor restores to
 * another device) or Android's Keystore-backed EncryptedSharedPreferences / DataStore with a
 * Keystore key. Never with localStorage on the web: cookie mode exists so that a script injected
 * into the page cannot read the token.
 */
export interface RefreshTokenStorage {
  get(): Promise<string | undefined> | string | undefined;
  set(token: string): Promise<void> | void;
  clear(): Promise<void> | void;
}

/** Kept in memory: the session ends with the process (tests, short-lived scripts). */
export function memoryStorage(initial?: string): RefreshTokenStorage {
  let token = initial;
  return {
    get: () => token,
    set: (value) => {
      token = value;
    },
    clear: () => {
      token = undefined;
    },
  };
}
