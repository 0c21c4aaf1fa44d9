/**
 * The votes demo's state: a count per flavor. Kept apart from the WAMP wiring so the same
 * rules serve the Node backend and can be tested without a router.
 */

/** The error URI a caller gets for a flavor that is not on the ballot. */
export const INVALID_FLAVOR = 'com.example.votedemo.invalid_flavor';

export class VoteTally {
  /** @param {readonly string[]} flavors */
  constructor(flavors) {
    /** @type {Map<string, number>} */
    this.counts = new Map(flavors.map((flavor) => [flavor, 0]));
  }

  /** @param {unknown} flavor */
  has(flavor) {
    return typeof flavor === 'string' && this.counts.has(flavor);
  }

  /**
   * Counts one vote and returns the flavor's new total.
   * @param {string} flavor
   */
  vote(flavor) {
    const votes = (this.counts.get(flavor) ?? 0) + 1;
    this.counts.set(flavor, votes);
    return votes;
  }

  /** Every flavor with its count, in ballot order: `[{subject, votes}]`. */
  standings() {
    return [...this.counts].map(([subject, votes]) => ({ subject, votes }));
  }

  reset() {
    for (const flavor of this.counts.keys()) this.counts.set(flavor, 0);
  }
}
