export * from './message-codes.js';
export * from './messages.js';
export * from './error-uris.js';
export * from './errors.js';
export * from './roles.js';
export * from './serializer.js';
export * from './clock.js';
