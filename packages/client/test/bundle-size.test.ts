/**
 * Size budgets of issue 16 (BENCHMARKS.md, "Client size"): the core entry point and the votes
 * page's JavaScript, gzipped at level 9, and what the core must leave out to stay small.
 */
import { describe, expect, it } from 'vitest';
import { measureEntry, measureVotesPage, SIZE_BUDGETS } from '../scripts/size-report.mjs';

describe('client size budgets', () => {
  it(`keeps the core entry point within ${SIZE_BUDGETS.core} bytes gzipped, without binary codecs or crypto`, async () => {
    const core = await measureEntry('@interchange/client/core');
    expect(core.gzip).toBeLessThanOrEqual(SIZE_BUDGETS.core);
    const dependencies = core.inputs.filter((path: string) => path.includes('node_modules/'));
    expect(dependencies).toEqual([]);
    for (const left of ['serializer-msgpack', 'serializer-cbor', 'auth-scram', 'auth-cryptosign', 'auth-wampcra']) {
      expect(core.inputs.some((path: string) => path.includes(left))).toBe(false);
    }
    for (const left of ['transport-longpoll', 'transport-rawsocket', 'meta-api']) {
      expect(core.inputs.some((path: string) => path.includes(left))).toBe(false);
    }
    // JSON goes through the client's small codec, not the router's full validation.
    expect(core.inputs.some((path: string) => path.endsWith('/message-codec-lite.ts'))).toBe(true);
    for (const left of ['/message-codec.ts', '/serializer-json.ts', '/features.ts']) {
      expect(core.inputs.some((path: string) => path.includes('protocol/') && path.endsWith(left))).toBe(false);
    }
  }, 60_000);

  it(`keeps the votes page's JavaScript within ${SIZE_BUDGETS.votesPage} bytes gzipped`, async () => {
    const page = await measureVotesPage();
    expect(page.scripts).toEqual(['lib/interchange-core.min.js', 'votes.js']);
    expect(page.gzip).toBeLessThanOrEqual(SIZE_BUDGETS.votesPage);
  }, 60_000);

  it('adds only its own code with an opt-in entry: cbor brings cbor-x and no msgpack', async () => {
    const withCbor = await measureEntry('@interchange/client/core', '@interchange/client/cbor');
    expect(withCbor.inputs.some((path: string) => path.includes('node_modules/cbor-x/'))).toBe(true);
    expect(withCbor.inputs.some((path: string) => path.includes('msgpackr'))).toBe(false);
    expect(withCbor.inputs.some((path: string) => path.includes('hash-wasm'))).toBe(false);
  }, 60_000);
});
