/**
 * Opens an Autobahn|JS (npm `autobahn`) connection once, for interop tests: resolves with the
 * session when it opens, rejects when it closes before that, and gives a promise of the reason
 * it closes with afterwards (Autobahn reports that only through `onclose`).
 */
import autobahn from 'autobahn';

export interface OpenAutobahn {
  session: autobahn.Session;
  connection: autobahn.Connection;
  /** The reason Autobahn gives in `onclose` when the connection closes. */
  closed: Promise<string>;
}

export function openAutobahn(options: autobahn.IConnectionOptions): Promise<OpenAutobahn> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection(options);
    let onClosed: (reason: string) => void = () => undefined;
    const closed = new Promise<string>((r) => {
      onClosed = r;
    });
    connection.onopen = (session) => resolve({ session, connection, closed });
    connection.onclose = (reason, details) => {
      onClosed(reason);
      reject(new Error(`connection ${reason}: ${JSON.stringify(details)}`));
      return true;
    };
    connection.open();
  });
}
