/**
 * Error and close reason URIs defined by the WAMP spec (basic profile "Predefined URIs",
 * advanced profile sections that add their own). The only place these strings are written.
 */
export const ErrorUri = {
  // Interaction
  INVALID_URI: 'wamp.error.invalid_uri',
  NO_SUCH_PROCEDURE: 'wamp.error.no_such_procedure',
  PROCEDURE_ALREADY_EXISTS: 'wamp.error.procedure_already_exists',
  NO_SUCH_REGISTRATION: 'wamp.error.no_such_registration',
  NO_SUCH_SUBSCRIPTION: 'wamp.error.no_such_subscription',
  INVALID_ARGUMENT: 'wamp.error.invalid_argument',
  // Session close
  SYSTEM_SHUTDOWN: 'wamp.close.system_shutdown',
  CLOSE_REALM: 'wamp.close.close_realm',
  GOODBYE_AND_OUT: 'wamp.close.goodbye_and_out',
  NORMAL: 'wamp.close.normal',
  PROTOCOL_VIOLATION: 'wamp.error.protocol_violation',
  // Authorization and authentication
  NOT_AUTHORIZED: 'wamp.error.not_authorized',
  AUTHORIZATION_FAILED: 'wamp.error.authorization_failed',
  AUTHENTICATION_FAILED: 'wamp.error.authentication_failed',
  NO_AUTH_METHOD: 'wamp.error.no_auth_method',
  NO_SUCH_REALM: 'wamp.error.no_such_realm',
  NO_SUCH_ROLE: 'wamp.error.no_such_role',
  NO_SUCH_PRINCIPAL: 'wamp.error.no_such_principal',
  // Advanced profile
  CANCELED: 'wamp.error.canceled',
  TIMEOUT: 'wamp.error.timeout',
  OPTION_NOT_ALLOWED: 'wamp.error.option_not_allowed',
  OPTION_DISALLOWED_DISCLOSE_ME: 'wamp.error.option_disallowed.disclose_me',
  NO_ELIGIBLE_CALLEE: 'wamp.error.no_eligible_callee',
  NO_AVAILABLE_CALLEE: 'wamp.error.no_available_callee',
  UNAVAILABLE: 'wamp.error.unavailable',
  FEATURE_NOT_SUPPORTED: 'wamp.error.feature_not_supported',
  PAYLOAD_SIZE_EXCEEDED: 'wamp.error.payload_size_exceeded',
  // Meta API (advanced profile "Session Meta API", "Event History", "Testament")
  NO_SUCH_SESSION: 'wamp.error.no_such_session',
  KILLED: 'wamp.close.killed',
  HISTORY_UNAVAILABLE: 'wamp.error.history_unavailable',
  TESTAMENT_ERROR: 'wamp.error.testament_error',
  // Conventions of Autobahn and Crossbar that the spec does not list but peers rely on
  /** A callee's handler failed with something other than an application error. */
  RUNTIME_ERROR: 'wamp.error.runtime_error',
  /** Reason a registration was revoked by `force_reregister`. */
  UNREGISTERED: 'wamp.error.unregistered',
  /** Close reason a client reports when its transport was lost without a GOODBYE. */
  TRANSPORT_LOST: 'wamp.close.transport_lost',
  /**
   * GOODBYE reason of a client logging out (Crossbar): the router forgets what the connection's
   * cookie authenticated as, so the next connection with that cookie must authenticate again.
   */
  LOGOUT: 'wamp.close.logout',
  /** Close reason a client reports when it could not answer a CHALLENGE. */
  CANNOT_AUTHENTICATE: 'wamp.error.cannot_authenticate',
} as const;

/** One of the spec's predefined error or close URIs. */
export type ErrorUriValue = (typeof ErrorUri)[keyof typeof ErrorUri];
