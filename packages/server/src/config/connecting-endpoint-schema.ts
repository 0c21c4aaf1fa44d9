/**
 * Crossbar's connecting endpoints: where the node connects out to, as a client. Container
 * components connect to a router this way, and `websocket-reverseproxy` paths to their backend;
 * both take the same shape, so one schema serves them.
 */
import { z } from 'zod';
import { integer, list, nonEmptyString, oneOf, section, tagged } from './schema-builders.js';

/** `endpoint.tls` of a connecting TCP endpoint (Crossbar's shape); paths are relative to the cbdir. */
export const connectingTlsSchema = section({
  /** The name the server's certificate must carry (and the SNI name sent). */
  hostname: nonEmptyString(),
  /** PEM files of the CAs trusted for the server's certificate, instead of the system's. */
  ca_certificates: list(nonEmptyString()).optional(),
  /** A client certificate (PEM) to present, with its `key`. */
  certificate: nonEmptyString().optional(),
  key: nonEmptyString().optional(),
}).superRefine((tls, ctx) => {
  if ((tls.certificate === undefined) !== (tls.key === undefined)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [tls.certificate === undefined ? 'certificate' : 'key'],
      message: 'a client certificate needs both certificate and key',
    });
  }
});

/** Parsed `endpoint.tls` of a connecting endpoint. */
export type ConnectingTlsConfig = z.output<typeof connectingTlsSchema>;

/**
 * A connecting TCP or Unix endpoint. `minTimeout` is the least `timeout` (seconds) that makes
 * sense for its user: 0 (no timeout) for components, 1 for a proxy that must answer in time.
 */
export function connectingEndpointSchema(minTimeout: 0 | 1) {
  return tagged(
    'endpoint type',
    {
      tcp: section({
        type: oneOf(['tcp']),
        host: nonEmptyString(),
        port: integer(1, 65535),
        /** 4 or 6: the IP version used to reach `host`. */
        version: oneOf([4, 6]).optional(),
        /** Seconds to connect (and, for a proxy, to get the backend's handshake answer). */
        timeout: integer(minTimeout, 600).optional(),
        tls: connectingTlsSchema.optional(),
      }),
      unix: section({ type: oneOf(['unix']), path: nonEmptyString(), timeout: integer(minTimeout, 600).optional() }),
    },
    ['twisted', 'tor'],
  );
}
