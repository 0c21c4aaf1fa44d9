import { describe, expect, it } from 'vitest';
import { hasFeature, PubSubFeature, RoleFeatures, RpcFeature } from '../src/features.js';

describe('feature names', () => {
  it('are the snake_case wire names of the spec', () => {
    for (const name of [...Object.values(RpcFeature), ...Object.values(PubSubFeature)]) {
      expect(name).toMatch(/^[a-z][a-z0-9_]{2,}$/);
    }
    expect(RpcFeature.PROGRESSIVE_CALL_RESULTS).toBe('progressive_call_results');
    expect(RpcFeature.CALL_CANCELING).toBe('call_canceling');
    expect(RpcFeature.CALLER_IDENTIFICATION).toBe('caller_identification');
    expect(PubSubFeature.PATTERN_BASED_SUBSCRIPTION).toBe('pattern_based_subscription');
    expect(PubSubFeature.PUBLISHER_EXCLUSION).toBe('publisher_exclusion');
  });

  it('lists router features for broker and dealer, client features for the others', () => {
    expect(RoleFeatures.dealer).toContain('registration_meta_api');
    expect(RoleFeatures.broker).toContain('subscription_meta_api');
    expect(RoleFeatures.caller).not.toContain('registration_meta_api');
    expect(RoleFeatures.subscriber).not.toContain('publisher_exclusion');
    expect(RoleFeatures.publisher).toContain('publisher_exclusion');
  });
});

describe('hasFeature', () => {
  it.each([
    [{ features: { call_canceling: true } }, true],
    [{ features: { call_canceling: false } }, false],
    [{ features: { call_canceling: 'yes' } }, false],
    [{ features: {} }, false],
    [{}, false],
    [{ features: null }, false],
    [undefined, false],
    ['caller', false],
  ])('%j announces call_canceling: %s', (role, expected) => {
    expect(hasFeature(role, 'call_canceling')).toBe(expected);
  });
});
