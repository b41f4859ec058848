/**
 * Addresses are compared case-insensitively: stored trimmed and lower-cased, with a unique index
 * on lower(email) as the backstop. (Local parts are case-sensitive by RFC 5321, but no mail
 * provider in practice treats them so, and users do not expect `Bob@` and `bob@` to be two people.)
 */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function localPartOf(email: string): string {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(0, at) : email;
}
