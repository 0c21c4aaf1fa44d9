/** The pino-compatible logger type, shared by every package (defined in protocol). */
export { type Logger, type LogMethod, silentLogger } from '@interchange/protocol';
