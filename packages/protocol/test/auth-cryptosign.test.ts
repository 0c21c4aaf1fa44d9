import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/auth-bytes.js';
import {
  createCryptosignChallenge,
  cryptosignMessage,
  cryptosignPublicKey,
  cryptosignSign,
  cryptosignVerify,
  generateCryptosignSeed,
  parseCryptosignPrivateKey,
  parseCryptosignPublicKey,
} from '../src/auth-cryptosign.js';
import { InvalidArgumentError } from '../src/errors.js';

function hex(text: string): Uint8Array {
  const bytes = hexToBytes(text);
  if (bytes === undefined) throw new Error('bad hex');
  return bytes;
}

// Test vectors of the spec, advanced profile "Cryptosign-based Authentication", "Test Vectors".
const CHANNEL = '62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff';
const VECTORS = [
  {
    channelId: undefined,
    privateKey: '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510',
    challenge: 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    signature:
      'b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e6e75013517c2cf067ad566a6b7b728e5d03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  },
  {
    channelId: undefined,
    privateKey: 'd511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd',
    challenge: 'b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d',
    signature:
      'd4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b042294af5bd64ce725cd8dceb344e6d11c09d1aaaf4d660fb26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d',
  },
  {
    channelId: CHANNEL,
    privateKey: '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510',
    challenge: 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    signature:
      '9b6f41540c9b95b4b7b281c3042fa9c54cef43c842d62ea3fd6030fcb66e70b3e80d49d44c29d1635da9348d02ec93f3ed1ef227dfb59a07b580095c2b82f80f9d16ca518aa0c2b707f2b2a609edeca73bca8dd59817a633f35574ac6fd80d00',
  },
  {
    channelId: CHANNEL,
    privateKey: '6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b',
    challenge: 'b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2',
    signature:
      'ee3c7644fd8070532bc1fde3d70d742267da545d8c8f03e63bda63f1ad4214f4d2c4bfdb4eb9526def42deeb7e31602a6ff99eba893e0a4ad4d45892ca75e608d2b75e24a189a7f78ca776ba36fc53f6c3e31c32f251f2c524f0a44202f2902d',
  },
];

// Generated with `ssh-keygen -t ed25519 -N ''`; Autobahn|Python's CryptosignKey.from_ssh_file
// reads the public key 42a0c180... from it.
const OPENSSH_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBCoMGAhkeZnzyJBvo+hYTwr+QHtSrkZ7OG7MPjHr0JngAAAJgoy8/LKMvP
ywAAAAtzc2gtZWQyNTUxOQAAACBCoMGAhkeZnzyJBvo+hYTwr+QHtSrkZ7OG7MPjHr0Jng
AAAEBhfQmp26LIJHrYfUVhyMzAdfnxVyIGgOpeffejxIextEKgwYCGR5mfPIkG+j6FhPCv
5Ae1KuRns4bsw+MevQmeAAAAEHRlc3RAaW50ZXJjaGFuZ2UBAgMEBQ==
-----END OPENSSH PRIVATE KEY-----`;
const OPENSSH_PUBLIC =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEKgwYCGR5mfPIkG+j6FhPCv5Ae1KuRns4bsw+MevQme test@interchange';
const OPENSSH_PUBLIC_HEX = '42a0c1808647999f3c8906fa3e8584f0afe407b52ae467b386ecc3e31ebd099e';

describe('WAMP-Cryptosign', () => {
  it.each(VECTORS)(
    'signs the spec test vector (channel id $channelId)',
    ({ channelId, privateKey, challenge, signature }) => {
      const seed = parseCryptosignPrivateKey(privateKey);
      expect(cryptosignSign(seed, challenge, channelId === undefined ? undefined : hex(channelId))).toBe(signature);
      const expected = cryptosignMessage(challenge, channelId === undefined ? undefined : hex(channelId));
      expect(expected).toBeDefined();
      expect(cryptosignVerify(cryptosignPublicKey(seed), signature, expected as Uint8Array)).toBe(true);
    },
  );

  it('refuses a signature by another key, over another message, or tampered with', () => {
    const seed = generateCryptosignSeed();
    const other = generateCryptosignSeed();
    const challenge = createCryptosignChallenge();
    const message = cryptosignMessage(challenge) as Uint8Array;
    const signature = cryptosignSign(seed, challenge);
    expect(cryptosignVerify(cryptosignPublicKey(seed), signature, message)).toBe(true);
    expect(cryptosignVerify(cryptosignPublicKey(other), signature, message)).toBe(false);
    expect(
      cryptosignVerify(
        cryptosignPublicKey(seed),
        signature,
        cryptosignMessage(createCryptosignChallenge()) as Uint8Array,
      ),
    ).toBe(false);
    const flipped = `${signature.slice(0, 10)}${signature[10] === '0' ? '1' : '0'}${signature.slice(11)}`;
    expect(cryptosignVerify(cryptosignPublicKey(seed), flipped, message)).toBe(false);
    expect(cryptosignVerify(cryptosignPublicKey(seed), signature.slice(0, 128), message)).toBe(false);
    expect(cryptosignVerify(cryptosignPublicKey(seed), 'zz'.repeat(96), message)).toBe(false);
  });

  it('binds the signature to the channel: a signature over the bare challenge fails when binding is expected', () => {
    const seed = generateCryptosignSeed();
    const challenge = createCryptosignChallenge();
    const unbound = cryptosignSign(seed, challenge);
    const bound = cryptosignMessage(challenge, hex(CHANNEL)) as Uint8Array;
    expect(cryptosignVerify(cryptosignPublicKey(seed), unbound, bound)).toBe(false);
  });

  it('loads private keys from a hex seed, the 64-byte libsodium form and an OpenSSH key file', () => {
    const seed = generateCryptosignSeed();
    const full = bytesToHex(seed) + bytesToHex(cryptosignPublicKey(seed));
    expect(parseCryptosignPrivateKey(bytesToHex(seed))).toEqual(seed);
    expect(parseCryptosignPrivateKey(full)).toEqual(seed);
    expect(parseCryptosignPrivateKey(seed)).toEqual(seed);
    expect(bytesToHex(cryptosignPublicKey(parseCryptosignPrivateKey(OPENSSH_KEY)))).toBe(OPENSSH_PUBLIC_HEX);
  });

  it('loads public keys from hex and from an ssh-ed25519 line', () => {
    expect(bytesToHex(parseCryptosignPublicKey(OPENSSH_PUBLIC))).toBe(OPENSSH_PUBLIC_HEX);
    expect(bytesToHex(parseCryptosignPublicKey(OPENSSH_PUBLIC_HEX.toUpperCase()))).toBe(OPENSSH_PUBLIC_HEX);
  });

  it.each([
    '',
    'abc',
    'zz'.repeat(32),
    'ab'.repeat(33),
    '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----',
  ])('refuses the private key %j', (text) => {
    expect(() => parseCryptosignPrivateKey(text)).toThrow(InvalidArgumentError);
  });

  it('refuses challenges that are not 32 bytes of hex', () => {
    const seed = generateCryptosignSeed();
    expect(() => cryptosignSign(seed, 'abcd')).toThrow(InvalidArgumentError);
    expect(cryptosignMessage('ab'.repeat(32), new Uint8Array(12))).toBeUndefined();
  });
});
