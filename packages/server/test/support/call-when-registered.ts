/**
 * Calls a procedure that a component registers once it has joined: `wamp.error.no_such_procedure`
 * means not yet, so the call is tried again until the test's own timeout.
 */
import type { Session } from '@interchange/client';

/** The first result argument of `procedure`, once something has registered it. */
export async function callWhenRegistered(session: Session, procedure: string, args: unknown[] = []): Promise<unknown> {
  for (;;) {
    try {
      return (await session.call(procedure, args)).args[0];
    } catch (error) {
      if ((error as { uri?: string }).uri !== 'wamp.error.no_such_procedure') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
