/**
 * The relay's --help: every option of the table (options.ts) with its
 * argument, its environment variable and its default, then the config file,
 * the signals.
 */
import { envName, OPTIONS } from './options.ts'
import type { Kind } from './options.ts'

/** An option's default as --help shows it. */
function defaultText (kind: Kind): string {
  switch (kind.type) {
    case 'int': return String(kind.fallback)
    case 'port-or-off': return kind.fallback == null ? 'off' : String(kind.fallback)
    case 'text': return kind.fallback ?? 'none'
    case 'list': return 'none'
    case 'on-off': return kind.fallback ? 'on' : 'off'
    case 'choice': return kind.fallback
  }
}

export const HELP = [
  'parley-relay: circuit relay v2 and DHT node for Parley browsers',
  '',
  'Usage: parley-relay [options]',
  '',
  'Each option can also be set by the environment variable in brackets, or in a JSON config file',
  'keyed by the flag name without "--". Flags win over the environment, which wins over the file.',
  '',
  ...OPTIONS.map(o => `  --${`${o.flag} ${o.arg}`.padEnd(34)} ${o.help}\n  ${''.padEnd(36)} [${envName(o.flag)}] (default ${defaultText(o.kind)})`),
  `  --${'config <path>'.padEnd(34)} a JSON file of these options\n  ${''.padEnd(36)} [PARLEY_RELAY_CONFIG]`,
  `  ${'-h, --help'.padEnd(36)} show this help`,
  '',
  'Signals: SIGTERM/SIGINT drain and stop; SIGHUP reloads the WSS certificate and key.',
  ''
].join('\n')
