/** WAMP roles (spec: "Peers and Roles"). */
export const Role = {
  CALLER: 'caller',
  CALLEE: 'callee',
  PUBLISHER: 'publisher',
  SUBSCRIBER: 'subscriber',
  DEALER: 'dealer',
  BROKER: 'broker',
} as const;
export type RoleName = (typeof Role)[keyof typeof Role];

/** Client roles a HELLO may announce. */
export const CLIENT_ROLES: readonly RoleName[] = [Role.CALLER, Role.CALLEE, Role.PUBLISHER, Role.SUBSCRIBER];
