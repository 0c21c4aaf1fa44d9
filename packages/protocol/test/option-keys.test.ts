import { describe, expect, it } from 'vitest';
import { createSerializer } from '../src/index.js';

/**
 * Option keys named like Object.prototype's members are unknown keys like any other (spec
 * "Extensibility": ignored), not a lookup of `constructor` or `__proto__` (issue 12).
 */
describe('option keys that name Object.prototype members', () => {
  const json = createSerializer('json');

  it.each(['constructor', '__proto__'])('ignores %s', (key) => {
    const text = `[48, 1, {"${key}": 1, "timeout": 5}, "com.example.f"]`;
    const [message] = json.decode(text);
    expect(message).toMatchObject({ type: 'CALL', requestId: 1, procedure: 'com.example.f' });
  });
});
