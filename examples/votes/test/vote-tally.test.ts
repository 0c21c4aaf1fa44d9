import { describe, expect, it } from 'vitest';
import { VoteTally } from '../vote-tally.js';

describe('VoteTally', () => {
  it('counts votes per flavor and reports standings in ballot order', () => {
    const tally = new VoteTally(['banana', 'chocolate', 'lemon']);
    expect(tally.vote('lemon')).toBe(1);
    expect(tally.vote('lemon')).toBe(2);
    expect(tally.vote('banana')).toBe(1);
    expect(tally.standings()).toEqual([
      { subject: 'banana', votes: 1 },
      { subject: 'chocolate', votes: 0 },
      { subject: 'lemon', votes: 2 },
    ]);
  });

  it('knows only the flavors on the ballot', () => {
    const tally = new VoteTally(['banana']);
    expect(tally.has('banana')).toBe(true);
    expect(tally.has('durian')).toBe(false);
    expect(tally.has(42)).toBe(false);
  });

  it('resets every count to zero', () => {
    const tally = new VoteTally(['banana', 'lemon']);
    tally.vote('banana');
    tally.reset();
    expect(tally.standings()).toEqual([
      { subject: 'banana', votes: 0 },
      { subject: 'lemon', votes: 0 },
    ]);
  });
});
