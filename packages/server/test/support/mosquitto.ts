/**
 * Debian's MQTT command-line clients (package `mosquitto-clients`), driven from tests:
 * `mosquitto_sub` reports its SUBACK (so a test publishes only once it is subscribed) and each
 * message's QoS, retain flag, topic and payload (in hex, so any bytes survive); `mosquitto_pub`
 * sends a payload given as bytes on stdin. Shared by the server's MQTT tests and test/e2e.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** One message `mosquitto_sub` printed. */
export interface MosquittoMessage {
  /** The QoS the message was delivered at. */
  qos: number;
  /** Whether it came as a retained message. */
  retain: boolean;
  topic: string;
  payload: Buffer;
}

/** A running `mosquitto_sub`. */
export interface MosquittoSub {
  process: ChildProcess;
  /** Resolves once the broker acknowledged the subscription. */
  subscribed: Promise<void>;
  /** Resolves with the `count` messages once they arrived (the process then exits). */
  messages: Promise<MosquittoMessage[]>;
}

/** Starts `mosquitto_sub -C count` on a topic filter; `extra` adds options (e.g. `-q 1`, a will). */
export function mosquittoSub(port: number, filter: string, count: number, extra: string[] = []): MosquittoSub {
  // Line-buffered (coreutils' stdbuf): piped, mosquitto_sub would hold its SUBACK line until it exits.
  const child = spawn(
    '/usr/bin/stdbuf',
    [
      '-oL',
      '/usr/bin/mosquitto_sub',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      filter,
      '-C',
      String(count),
      '-d',
      '-F',
      'MSG %q %r %t %x',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let onSubscribed: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => {
    onSubscribed = resolve;
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    output += text;
    if (output.includes('received SUBACK')) onSubscribed();
  });
  const messages = new Promise<MosquittoMessage[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () =>
      resolve(
        output
          .split('\n')
          .filter((line) => line.startsWith('MSG '))
          .map((line) => {
            const [, qos = '', retain = '', topic = '', hex = ''] = line.split(' ');
            return { qos: Number(qos), retain: retain === '1', topic, payload: Buffer.from(hex, 'hex') };
          }),
      ),
    );
  });
  return { process: child, subscribed, messages };
}

/** Runs `mosquitto_pub` once with `payload` (bytes, read from stdin); resolves with its exit code. */
export function mosquittoPub(port: number, topic: string, payload: Uint8Array, extra: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-s', ...extra],
      {
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
    child.stdin.end(Buffer.from(payload));
  });
}
