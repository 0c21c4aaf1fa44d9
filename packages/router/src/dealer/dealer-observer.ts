/**
 * The registration lifecycle as the dealer reports it (the registration meta API's source), and
 * how it tells the observer without letting a failing observer break routing. Separate from the
 * dealer so the observer's contract reads on its own.
 */
import type { Logger } from '../logger.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { Registration, RegistrationDetails } from './registration-store.js';

/**
 * Watches the registration lifecycle, for the registration meta API (advanced profile
 * "Registration Meta API": on_create, on_register, on_unregister, on_delete). Each hook runs
 * after the dealer's own reply (REGISTERED, UNREGISTERED) went out; `session` is the callee.
 */
export interface DealerObserver {
  /** A registration was created: its first callee registered. `onRegister` follows. */
  onCreate?(registration: RegistrationDetails, session: RealmMember): void;
  /** A callee was added to a registration. */
  onRegister?(registration: RegistrationDetails, session: RealmMember): void;
  /** A callee was removed from a registration: it unregistered, left, or was revoked. */
  onUnregister?(registration: RegistrationDetails, session: RealmMember): void;
  /** A registration lost its last callee and is gone. Follows `onUnregister`. */
  onDelete?(registration: RegistrationDetails, session: RealmMember): void;
}

/** Tells the observer, if there is one; a failing observer must not break routing. */
export function notifyObserver(
  observer: DealerObserver | undefined,
  logger: Logger,
  event: keyof DealerObserver,
  registration: Registration,
  session: RealmMember,
): void {
  const hook = observer?.[event];
  if (hook === undefined) return;
  try {
    hook.call(observer, registration.details(), session);
  } catch (error) {
    logger.error({ err: error, event, registration: registration.id }, 'dealer observer threw');
  }
}
