/**
 * Procedure hijack (issue 12): any session allowed to register a URI took over another's
 * registration with `force_reregister`, and its callers got the hijacker's results. Against a
 * real node, the takeover is refused for another authid and the owner keeps serving its callers.
 */
import { describe, expect, it } from 'vitest';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';
import { useRawSocketNode } from '../support/rawsocket-node.js';

describe('force_reregister', () => {
  const tcp: Target = useRawSocketNode();

  it('is refused to a session of another authid; the owner keeps answering the calls', async () => {
    const owner = await RawSocketTestClient.connected(tcp);
    await owner.join();
    owner.sendJson([64, 1, {}, 'com.example.svc']);
    expect((await owner.nextJson())[0]).toBe(65);

    // Anonymous sessions get a random authid each: the hijacker is another principal.
    const hijacker = await RawSocketTestClient.connected(tcp);
    await hijacker.join();
    hijacker.sendJson([64, 1, { force_reregister: true }, 'com.example.svc']);
    const refused = await hijacker.nextJson();
    expect(refused.slice(0, 2)).toEqual([8, 64]);
    expect(refused[4]).toBe('wamp.error.not_authorized');

    const caller = await RawSocketTestClient.connected(tcp);
    await caller.join();
    caller.sendJson([48, 1, {}, 'com.example.svc', [21]]);
    const invocation = await owner.nextJson();
    expect(invocation[0]).toBe(68);
    owner.sendJson([70, invocation[1], {}, [42]]);
    expect(await caller.nextJson()).toEqual([50, 1, {}, [42]]);
    for (const client of [owner, hijacker, caller]) client.close();
  });
});
