/**
 * The node's Ed25519 key pair, in Crossbar's files: `key.pub` and `key.priv` in the cbdir, each a
 * title line, a blank line, then `tag: value` lines (`creator`, `created-at`, `machine-id`,
 * `node-authid`, `public-key-ed25519`, and in `key.priv` also `private-key-ed25519`, the 32-octet
 * seed in hex). A Crossbar node's key files are read as they are; tags Interchange does not use
 * (Ethereum keys) are kept out of the files it writes.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@interchange/protocol';

/** File names in the cbdir. */
export const NODE_KEY_FILES = { public: 'key.pub', private: 'key.priv' } as const;

const ALLOWED_TAGS = [
  'public-key-ed25519',
  'public-adr-eth',
  'machine-id',
  'node-authid',
  'node-cluster-ip',
  'created-at',
  'creator',
];
const PRIVATE_TAGS = ['private-key-ed25519', 'private-key-eth'];

/** A node key. */
export interface NodeKey {
  /** The public key, 64 hex digits. */
  publicKey: string;
  /** The private key seed, 64 hex digits, when the private file was read. */
  privateKey: string | undefined;
  /** The tags of the file read. */
  tags: Record<string, string>;
}

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-octet seed follows. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The public key (hex) of an Ed25519 seed (hex). */
export function publicKeyOfSeed(seedHex: string): string {
  if (!/^[0-9a-f]{64}$/i.test(seedHex)) throw new InvalidArgumentError('an Ed25519 private key is 64 hex digits');
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url').toString('hex');
}

/** A fresh key pair, both halves in hex. */
export function generateNodeKey(): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    publicKey: Buffer.from(jwk.x as string, 'base64url').toString('hex'),
    privateKey: Buffer.from(jwk.d as string, 'base64url').toString('hex'),
  };
}

/**
 * Parses a key file's text into its tags.
 * @throws InvalidArgumentError on an unknown or repeated tag.
 */
export function parseNodeKeyFile(text: string, options: { private: boolean }): Record<string, string> {
  const allowed = options.private ? [...ALLOWED_TAGS, ...PRIVATE_TAGS] : ALLOWED_TAGS;
  const tags: Record<string, string> = {};
  let afterBlank = false;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      afterBlank = true;
      continue;
    }
    if (!afterBlank) continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new InvalidArgumentError(`invalid line in key file: ${JSON.stringify(line)}`);
    const tag = line.slice(0, colon).trim().toLowerCase();
    if (!allowed.includes(tag)) throw new InvalidArgumentError(`invalid tag ${JSON.stringify(tag)} in key file`);
    if (tag in tags) throw new InvalidArgumentError(`duplicate tag ${JSON.stringify(tag)} in key file`);
    tags[tag] = line.slice(colon + 1).trim();
  }
  return tags;
}

function renderKeyFile(title: string, tags: Record<string, string>): string {
  return `${title}\n\n${Object.entries(tags)
    .map(([tag, value]) => `${tag}: ${value}\n`)
    .join('')}`;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads the node key of a cbdir: the private file when there is one (checking that the public
 * key matches it), else the public file; undefined when there is neither.
 * @throws InvalidArgumentError when a file is malformed or the two disagree.
 */
export async function readNodeKey(cbdir: string): Promise<NodeKey | undefined> {
  const privateText = await readIfExists(join(cbdir, NODE_KEY_FILES.private));
  const publicText = await readIfExists(join(cbdir, NODE_KEY_FILES.public));
  if (privateText !== undefined) {
    const tags = parseNodeKeyFile(privateText, { private: true });
    const seed = tags['private-key-ed25519'];
    if (seed === undefined) throw new InvalidArgumentError(`${NODE_KEY_FILES.private} has no private-key-ed25519`);
    const publicKey = publicKeyOfSeed(seed);
    if (tags['public-key-ed25519'] !== undefined && tags['public-key-ed25519'] !== publicKey) {
      throw new InvalidArgumentError(
        `${NODE_KEY_FILES.private}: public-key-ed25519 does not match private-key-ed25519`,
      );
    }
    if (
      publicText !== undefined &&
      parseNodeKeyFile(publicText, { private: false })['public-key-ed25519'] !== publicKey
    ) {
      throw new InvalidArgumentError(`${NODE_KEY_FILES.public} does not match ${NODE_KEY_FILES.private}`);
    }
    return { publicKey, privateKey: seed, tags };
  }
  if (publicText === undefined) return undefined;
  const tags = parseNodeKeyFile(publicText, { private: false });
  const publicKey = tags['public-key-ed25519'];
  if (publicKey === undefined) throw new InvalidArgumentError(`${NODE_KEY_FILES.public} has no public-key-ed25519`);
  return { publicKey, privateKey: undefined, tags };
}

/**
 * The node key of a cbdir, generated (both files written, the private one readable by the owner
 * only) when there is none.
 */
export async function ensureNodeKey(
  cbdir: string,
  now: () => Date = () => new Date(),
): Promise<{ key: NodeKey; created: boolean }> {
  const existing = await readNodeKey(cbdir);
  if (existing !== undefined) return { key: existing, created: false };
  const pair = generateNodeKey();
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No user entry (some containers): keep "unknown".
  }
  const tags: Record<string, string> = {
    creator: `${user}@${hostname()}`,
    'created-at': now().toISOString(),
    'machine-id': hostname(),
    'node-authid': process.env.CROSSBAR_NODE_ID?.trim() || hostname(),
    'public-key-ed25519': pair.publicKey,
  };
  await writeFile(join(cbdir, NODE_KEY_FILES.public), renderKeyFile('Interchange node public key', tags), {
    flag: 'wx',
  });
  const privateTags = { ...tags, 'private-key-ed25519': pair.privateKey };
  await writeFile(
    join(cbdir, NODE_KEY_FILES.private),
    renderKeyFile('Interchange node private key - KEEP THIS SAFE!', privateTags),
    { flag: 'wx', mode: 0o600 },
  );
  return { key: { publicKey: pair.publicKey, privateKey: pair.privateKey, tags: privateTags }, created: true };
}
