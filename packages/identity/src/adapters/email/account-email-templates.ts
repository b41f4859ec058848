import type { AccountEmail } from '../../application/ports';

/** Where the links in emails lead: the application's pages, which post the token back to this API. */
export interface EmailLinks {
  appBaseUrl: string;
  verifyEmailPath: string;
  passwordResetPath: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const link = (links: EmailLinks, path: string, token: string) =>
  `${links.appBaseUrl}${path}?token=${encodeURIComponent(token)}`;

const minutesUntil = (expiresAt: Date, now: Date) =>
  Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 60_000));

const duration = (minutes: number) =>
  minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}` : `${minutes} minutes`;

/** Paragraphs to text and to minimal, inline-styled HTML (mail clients ignore style sheets). */
function compose(
  subject: string,
  paragraphs: (string | { href: string; label: string } | { code: string })[],
): RenderedEmail {
  const text = paragraphs
    .map((p) => (typeof p === 'string' ? p : 'href' in p ? p.href : p.code))
    .join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#222">',
    ...paragraphs.map((p) => {
      if (typeof p === 'string') return `<p>${escapeHtml(p)}</p>`;
      if ('href' in p)
        return `<p><a href="${escapeHtml(p.href)}" style="font-weight:600">${escapeHtml(p.label)}</a></p>`;
      return `<p style="font-size:28px;letter-spacing:6px;font-weight:700">${escapeHtml(p.code)}</p>`;
    }),
    '</body></html>',
  ].join('');
  return { subject, text: `${text}\n`, html };
}

const IGNORE = 'If you did not ask for this, you can ignore this email.';

/** Every email this API sends, in one place. */
export function renderAccountEmail(email: AccountEmail, links: EmailLinks, now: Date): RenderedEmail {
  switch (email.kind) {
    case 'email-verification': {
      const href = link(links, links.verifyEmailPath, email.token);
      return compose('Verify your email address', [
        'Confirm that this is your email address by opening this link:',
        { href, label: 'Verify my email address' },
        'Or enter this code in the app:',
        { code: email.code },
        `The link and the code work once, for ${duration(minutesUntil(email.expiresAt, now))}. ${IGNORE}`,
      ]);
    }
    case 'password-reset':
      return compose('Reset your password', [
        'Someone (hopefully you) asked to reset the password of the account with this email address. Choose a new password here:',
        { href: link(links, links.passwordResetPath, email.token), label: 'Choose a new password' },
        `The link works once, for ${duration(minutesUntil(email.expiresAt, now))}. Resetting signs you out everywhere. ${IGNORE}`,
      ]);
    case 'password-changed':
      return compose('Your password was changed', [
        email.via === 'reset'
          ? `The password of your account was reset at ${email.at.toISOString()} and every session was signed out.`
          : `The password of your account was changed at ${email.at.toISOString()}; your other sessions were signed out.`,
        'If this was not you, reset your password now and review your account.',
      ]);
    case 'registration-attempt':
      return compose('Someone tried to sign up with your email address', [
        `At ${email.at.toISOString()} someone tried to create an account with this email address, which already has one. No new account was created.`,
        'If it was you: sign in instead, or reset your password if you have forgotten it. If not, you can ignore this email.',
      ]);
  }
}
