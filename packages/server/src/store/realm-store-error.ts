import { InvalidArgumentError } from '@interchange/protocol';

/**
 * A realm store that cannot be opened: damaged or foreign file, held by another node, not
 * writable. The node refuses to start with this message, which names the file, rather than
 * crash on it at every restart. A local problem like a bad config, hence its base class.
 */
export class RealmStoreError extends InvalidArgumentError {}
