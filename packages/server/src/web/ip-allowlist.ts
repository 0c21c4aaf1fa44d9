/**
 * `require_ip` of the HTTP bridge services: addresses and networks a client must come from, in
 * the forms Crossbar takes — `127.0.0.1`, `10.0.0.0/8`, `192.168.1.0/255.255.255.0`, `::1`,
 * `fd00::/8`. IPv4 clients reaching a dual-stack listener appear as `::ffff:a.b.c.d` and are
 * matched as the IPv4 address they are.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from '@interchange/protocol';

/** `255.255.255.0` → 24; undefined when the mask is not contiguous ones then zeros. */
function prefixOfNetmask(mask: string): number | undefined {
  if (!isIPv4(mask)) return undefined;
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')) : undefined;
}

/** The plain IPv4 form of an IPv4-mapped IPv6 address; other addresses unchanged. */
export function unmapIPv4(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * A set of allowed client addresses.
 *
 * @example
 * const allowed = IpAllowList.parse(['127.0.0.1', '10.0.0.0/8']);
 * allowed.allows('::ffff:10.1.2.3'); // true
 */
export class IpAllowList {
  readonly #list: BlockList;
  /** The entries as configured. */
  readonly entries: readonly string[];

  private constructor(list: BlockList, entries: readonly string[]) {
    this.#list = list;
    this.entries = entries;
  }

  /** @throws InvalidArgumentError for an entry that is no address or network. */
  static parse(entries: readonly string[], key = 'require_ip'): IpAllowList {
    const list = new BlockList();
    for (const entry of entries) {
      const [address = '', mask] = entry.split('/');
      const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
      if (family === undefined)
        throw new InvalidArgumentError(`${key}: ${JSON.stringify(entry)} is not an IP address or network`);
      if (mask === undefined) {
        list.addAddress(address, family);
        continue;
      }
      const prefix = /^\d+$/.test(mask) ? Number(mask) : family === 'ipv4' ? prefixOfNetmask(mask) : undefined;
      if (prefix === undefined || prefix > (family === 'ipv4' ? 32 : 128)) {
        throw new InvalidArgumentError(`${key}: ${JSON.stringify(entry)} has an invalid prefix or netmask`);
      }
      list.addSubnet(address, prefix, family);
    }
    return new IpAllowList(list, entries);
  }

  /** Whether a client address (as a socket reports it) is allowed. */
  allows(address: string | undefined): boolean {
    if (address === undefined) return false;
    const plain = unmapIPv4(address);
    if (isIPv4(plain)) return this.#list.check(plain, 'ipv4');
    if (isIPv6(plain)) return this.#list.check(plain, 'ipv6');
    return false;
  }
}
