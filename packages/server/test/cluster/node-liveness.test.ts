import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NodeLiveness } from '../../src/cluster/node-liveness.js';

describe('NodeLiveness', () => {
  let dead: string[];
  let joined: string[];
  let liveness: NodeLiveness;

  beforeEach(() => {
    vi.useFakeTimers();
    dead = [];
    joined = [];
    liveness = new NodeLiveness({
      deadNodeMs: 1000,
      onDead: (node) => dead.push(node),
      onJoin: (node) => joined.push(node),
    });
  });
  afterEach(() => {
    liveness.close();
    vi.useRealTimers();
  });

  it('declares a node dead when no heartbeat came for the timeout, not before', () => {
    liveness.heartbeat('a', 'x');
    expect(joined).toEqual(['a']);
    vi.advanceTimersByTime(900);
    liveness.heartbeat('a', 'x');
    vi.advanceTimersByTime(900);
    expect(dead).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(dead).toEqual(['a']);
    expect(liveness.isAlive('a')).toBe(false);
  });

  it('treats a new incarnation under the same ID as the old node dead', () => {
    liveness.heartbeat('a', 'x');
    liveness.heartbeat('a', 'y');
    expect(dead).toEqual(['a']);
    expect(joined).toEqual(['a', 'a']);
    expect(liveness.isAlive('a')).toBe(true);
  });

  it('tells when each live node was first heard of and its last heartbeat, a new incarnation starting afresh', () => {
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    const start = Date.now();
    liveness.seen('b');
    liveness.heartbeat('a', 'x');
    vi.advanceTimersByTime(500);
    liveness.heartbeat('a', 'x');
    expect(liveness.liveNodes()).toEqual([
      { node: 'b', since: start, lastHeartbeat: undefined },
      { node: 'a', since: start, lastHeartbeat: start + 500 },
    ]);
    vi.advanceTimersByTime(100);
    liveness.heartbeat('b', 'z');
    liveness.heartbeat('a', 'y');
    expect(liveness.liveNodes()).toContainEqual({ node: 'b', since: start, lastHeartbeat: start + 600 });
    expect(liveness.liveNodes()).toContainEqual({ node: 'a', since: start + 600, lastHeartbeat: start + 600 });
  });

  it('gives a node seen only in the table the same deadline', () => {
    liveness.seen('b');
    vi.advanceTimersByTime(1000);
    expect(dead).toEqual(['b']);
  });

  it('forgets a node that said goodbye at once, and ignores a goodbye of an unknown node', () => {
    liveness.heartbeat('a', 'x');
    liveness.left('a');
    liveness.left('zz');
    expect(dead).toEqual(['a']);
  });

  it('stops the deadlines while this node is cut off, and restarts them in full', () => {
    liveness.heartbeat('a', 'x');
    vi.advanceTimersByTime(900);
    liveness.pause();
    vi.advanceTimersByTime(5000);
    expect(dead).toEqual([]);
    liveness.resume();
    vi.advanceTimersByTime(999);
    expect(dead).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(dead).toEqual(['a']);
    expect(liveness.aliveCount()).toBe(0);
  });
});
