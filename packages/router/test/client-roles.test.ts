import { describe, expect, it } from 'vitest';
import { shareClientRoles } from '../src/session/client-roles.js';

const autobahnLike = () => ({
  caller: { features: { caller_identification: true, progressive_call_results: true } },
  subscriber: { features: { pattern_based_subscription: true } },
});

describe('shareClientRoles', () => {
  it('gives sessions that announce the same roles one frozen copy', () => {
    const announced = autobahnLike();
    const a = shareClientRoles(announced);
    const b = shareClientRoles(autobahnLike());
    expect(a).toBe(b);
    expect(a).toEqual(announced);
    expect(a).not.toBe(announced);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen((a.caller as { features: object }).features)).toBe(true);
  });

  it('keeps different announcements apart', () => {
    const other = { caller: { features: { caller_identification: false } } };
    expect(shareClientRoles(other)).not.toBe(shareClientRoles(autobahnLike()));
    expect(shareClientRoles(other)).toEqual(other);
  });

  it('keeps what JSON cannot carry as it came', () => {
    for (const roles of [
      { caller: { features: { x_bytes: new Uint8Array([1]) } } },
      { caller: { features: { x_big: 1n } } },
      { caller: { features: { x_nan: Number.NaN } } },
    ]) {
      expect(shareClientRoles(roles)).toBe(roles);
    }
  });

  it('shares a bounded number of distinct announcements', () => {
    const distinct = Array.from({ length: 100 }, (_, i) => ({ callee: { features: { [`x_feature_${i}`]: true } } }));
    const first = distinct.map((roles) => shareClientRoles(roles));
    const again = distinct.map((roles) => shareClientRoles({ ...roles }));
    // The early ones are shared; once the pool is full, later ones stay per session.
    expect(again[0]).toBe(first[0]);
    expect(again[99]).not.toBe(first[99]);
    expect(again[99]).toEqual(distinct[99]);
  });
});
