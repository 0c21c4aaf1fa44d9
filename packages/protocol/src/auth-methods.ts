/**
 * The authentication method names as they appear in `HELLO.Details.authmethods`,
 * `CHALLENGE.AuthMethod` and `WELCOME.Details.authmethod` (spec: advanced profile
 * "Authentication Methods" and the sections of each method).
 */
export const AuthMethod = {
  ANONYMOUS: 'anonymous',
  TICKET: 'ticket',
  WAMPCRA: 'wampcra',
  /** WAMP-SCRAM as the spec names it (advanced profile "Salted Challenge Response Authentication"). */
  SCRAM: 'wamp-scram',
  /**
   * The name Crossbar.io and Autobahn|Python use for the same method, with their own variant of
   * the exchange (see `ScramDialect` in `auth-scram.ts`).
   */
  SCRAM_CROSSBAR: 'scram',
  CRYPTOSIGN: 'cryptosign',
  /** TLS client certificate: the transport authenticates; no CHALLENGE is sent. */
  TLS: 'tls',
  /** An HTTP cookie set by an earlier authenticated WebSocket connection. */
  COOKIE: 'cookie',
} as const;

/** One of the {@link AuthMethod} names. */
export type AuthMethodName = (typeof AuthMethod)[keyof typeof AuthMethod];

/** Whether `name` is one of the {@link AuthMethod} names. */
export function isAuthMethodName(name: unknown): name is AuthMethodName {
  return typeof name === 'string' && (Object.values(AuthMethod) as string[]).includes(name);
}
