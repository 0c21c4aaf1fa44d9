/**
 * The transport types beyond WebSocket that a `transports` list may name. The core speaks
 * WebSocket only; long-poll and RawSocket add themselves when their entry point is imported
 * (`@interchange/client/longpoll`, `@interchange/client/rawsocket`; the full `@interchange/client`
 * imports both), so a page that only opens a WebSocket does not download them. An entry whose
 * type is not loaded is skipped with the import that loads it as the reason, as transport-list.ts
 * skips every entry it cannot open.
 */
import type { SerializerChoice } from './serializer-offer.js';
import type { TransportFactory } from './transport.js';
import type { TransportConfig, TransportDefaults } from './transport-list.js';

/** What every entry shares, already resolved from the entry and the connection's defaults. */
export interface TransportEntryShared {
  url: string | undefined;
  serializers?: readonly SerializerChoice[];
  protocols?: readonly string[];
}

/** One optional transport type: whether it works here, and the factory of an entry. */
export interface TransportPlugin {
  /** Why this runtime cannot open it, or `undefined` when it can. */
  unavailableReason(defaults: TransportDefaults): string | undefined;
  /** The factory of one entry, and a label for logs. @throws InvalidArgumentError on a bad entry. */
  entryFactory(
    entry: TransportConfig,
    defaults: TransportDefaults,
    shared: TransportEntryShared,
  ): { label: string; factory: TransportFactory };
}

/** The optional transport types, and the entry point that registers each. */
export const OPTIONAL_TRANSPORTS = {
  rawsocket: '@interchange/client/rawsocket',
  longpoll: '@interchange/client/longpoll',
} as const;
/** One of the keys of {@link OPTIONAL_TRANSPORTS}. */
export type OptionalTransportType = keyof typeof OPTIONAL_TRANSPORTS;

const plugins = new Map<OptionalTransportType, TransportPlugin>();

/** Makes `type` usable in `transports` lists and `connect({ url })`. Called by the entry points. */
export function registerTransport(type: OptionalTransportType, plugin: TransportPlugin): void {
  plugins.set(type, plugin);
}

/** The plugin of `type`, or `undefined` when its entry point was not imported. */
export function transportPluginOf(type: OptionalTransportType): TransportPlugin | undefined {
  return plugins.get(type);
}

/** Why `type` cannot be used: not loaded, with the import that loads it. */
export function notLoadedReason(type: OptionalTransportType): string {
  return `the ${type} transport is not loaded: import '${OPTIONAL_TRANSPORTS[type]}' (or '@interchange/client', which loads every transport)`;
}
