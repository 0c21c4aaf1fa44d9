/**
 * The logger of a node started by `interchange start`, set by Crossbar's flags: `--loglevel`
 * (`none`, `error`, `warn`, `info`, `debug`, `trace`), `--logformat` and `--color`.
 *
 * Formats: `json` writes one JSON object a line (pino's own format, for log shippers and
 * `journalctl -o cat | jq`); Crossbar's `standard` (time, level, message and fields on one line),
 * `syslogd` (the same without the time, which syslog adds) and `none` (message and fields only)
 * are rendered by pino-pretty. Without `--logformat`, a terminal gets `standard`, coloured, and
 * anything else (a pipe, a file, systemd) gets `json`.
 *
 * Everything goes to one stream (stdout): a service manager keeps the order of a node's lines,
 * and warnings are told apart by their level, not by their file descriptor.
 */
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** Crossbar's log levels, least to most verbose; `none` logs nothing. */
export const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'trace'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Crossbar's log formats, and `json` (Interchange addition). */
export const LOG_FORMATS = ['standard', 'syslogd', 'none', 'json'] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Crossbar's `--color` values. */
export const LOG_COLORS = ['auto', 'true', 'false'] as const;
/** One of {@link LOG_COLORS}. */
export type LogColor = (typeof LOG_COLORS)[number];

/** How the node logs. */
export interface LogSettings {
  level: LogLevel;
  /** Undefined: `standard` on a terminal, `json` otherwise. */
  format: LogFormat | undefined;
  color: LogColor;
}

/** The settings when no flag is given. */
export const DEFAULT_LOG_SETTINGS: LogSettings = { level: 'info', format: undefined, color: 'auto' };

/** Where the log goes: a stream with `write`, and whether it is a terminal. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/**
 * Reads `--loglevel`, `--logformat` and `--color`; returns the settings, or the usage error.
 *
 * @example
 * parseLogSettings({ loglevel: 'debug' }); // { level: 'debug', format: undefined, color: 'auto' }
 */
export function parseLogSettings(values: {
  loglevel?: string | undefined;
  logformat?: string | undefined;
  color?: string | undefined;
}): LogSettings | { error: string } {
  const pick = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[]) =>
    value === undefined || (allowed as readonly string[]).includes(value)
      ? undefined
      : `--${flag} takes ${allowed.join(', ')}; got ${value}`;
  const problem =
    pick('loglevel', values.loglevel, LOG_LEVELS) ??
    pick('logformat', values.logformat, LOG_FORMATS) ??
    pick('color', values.color, LOG_COLORS);
  if (problem !== undefined) return { error: problem };
  return {
    level: (values.loglevel as LogLevel | undefined) ?? DEFAULT_LOG_SETTINGS.level,
    format: values.logformat as LogFormat | undefined,
    color: (values.color as LogColor | undefined) ?? DEFAULT_LOG_SETTINGS.color,
  };
}

/** The format and colouring that apply to `output`. */
export function effectiveFormat(settings: LogSettings, output: LogOutput): { format: LogFormat; color: boolean } {
  const tty = output.isTTY === true;
  const format = settings.format ?? (tty ? 'standard' : 'json');
  // `auto` colours a terminal unless NO_COLOR (https://no-color.org) says otherwise.
  const color =
    settings.color === 'true' ||
    (settings.color === 'auto' && tty && format !== 'json' && (process.env.NO_COLOR ?? '') === '');
  return { format, color: format !== 'json' && color };
}

/** The fields pino-pretty leaves out, by format. */
const HIDDEN: Record<Exclude<LogFormat, 'json'>, string> = {
  standard: 'pid,hostname,name',
  syslogd: 'time,pid,hostname,name',
  none: 'time,pid,hostname,name,level',
};

/**
 * A pino logger for the node with these settings, writing to `output` (stdout by default).
 * Rendering is synchronous, so no line is lost when the process exits right after logging.
 *
 * @example
 * const logger = createNodeLogger({ level: 'debug', format: undefined, color: 'auto' });
 * await InterchangeNode.start({ config, cbdir, logger });
 */
export function createNodeLogger(settings: LogSettings, output: LogOutput = process.stdout): PinoLogger {
  const level = settings.level === 'none' ? 'silent' : settings.level;
  const { format, color } = effectiveFormat(settings, output);
  if (format === 'json') return pino({ name: 'interchange', level }, output as DestinationStream);
  const pretty = prettyFactory({
    colorize: color,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: HIDDEN[format],
    singleLine: true,
  });
  const destination: DestinationStream = { write: (line: string) => void output.write(pretty(line)) };
  return pino({ name: 'interchange', level }, destination);
}
