import { InvalidArgumentError } from '@interchange/protocol';

/**
 * A realm store that cannot be opened: damaged or foreign file, held by another node, not
 * writable. The node refuses to start with this message, which names the file, rather than
 * crash on it at every restart. A local problem like a bad config, hence its base class.
 */
export class RealmStoreError extends InvalidArgumentError {}

/** What a start error for a damaged store file tells the user to do. */
export const DAMAGED_FILE_ADVICE = 'move it away (keep it for inspection) to start with an empty store';
