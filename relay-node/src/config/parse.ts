/**
 * `parseConfig`: the relay's settings from its command-line flags (which
 * win), its environment variables and its config file (file.ts), once, at
 * start: each option's text read into its value by its kind (options.ts),
 * then the whole checked (checks.ts). A bad option throws ConfigError with a
 * sentence naming it.
 */
import { parseArgs } from 'node:util'
import { ConfigError } from '../errors.ts'
import { validate } from './checks.ts'
import { readConfigFile } from './file.ts'
import { envName, optionName as name, OPTIONS } from './options.ts'
import type { OptionSpec, RelayConfig } from './options.ts'

type Env = Record<string, string | undefined>

function readInt (value: string, spec: OptionSpec, min: number, max: number, orOff = ''): number {
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed)) throw new ConfigError(`${name(spec)} must be a whole number${orOff}, got "${value.slice(0, 100)}"`)
  const n = Number(trimmed)
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(`${name(spec)} must be between ${min} and ${max}${orOff}, got ${trimmed}`)
  return n
}

/** Turns one option's text (or its absence) into its value. */
function readValue (spec: OptionSpec, value: string | undefined): RelayConfig[keyof RelayConfig] {
  const { kind } = spec
  switch (kind.type) {
    case 'int':
      return value == null ? kind.fallback : readInt(value, spec, kind.min, kind.max)
    case 'port-or-off':
      if (value == null) return kind.fallback
      return value.trim().toLowerCase() === 'off' ? null : readInt(value, spec, 0, 65535, ' (or "off")')
    case 'text':
      return value == null ? kind.fallback : value.trim()
    case 'list':
      return (value ?? '').split(',').map(a => a.trim()).filter(a => a !== '')
    case 'on-off': {
      if (value == null) return kind.fallback
      const v = value.trim().toLowerCase()
      if (v === 'on' || v === 'true') return true
      if (v === 'off' || v === 'false') return false
      throw new ConfigError(`${name(spec)} must be "on" or "off", got "${value.slice(0, 100)}"`)
    }
    case 'choice': {
      if (value == null) return kind.fallback
      const v = value.trim().toLowerCase()
      if (!kind.choices.includes(v)) throw new ConfigError(`${name(spec)} must be one of ${kind.choices.join(', ')}, got "${value.slice(0, 100)}"`)
      return v
    }
  }
}

/**
 * Parses command-line flags (which win), environment variables and the
 * optional config file once, at start. Throws ConfigError with a sentence
 * naming the bad option.
 */
export function parseConfig (argv: string[], env: Env = process.env): RelayConfig | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(OPTIONS.map(o => [o.flag, { type: 'string' as const }])),
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run with --help to see the options.`)
  }
  if (values.help === true) return 'help'

  const configPath = typeof values.config === 'string' ? values.config : env.PARLEY_RELAY_CONFIG
  const file = configPath == null ? {} : readConfigFile(configPath)
  const config: Record<string, unknown> = {}
  for (const option of OPTIONS) {
    const flagValue = values[option.flag]
    const text = typeof flagValue === 'string' ? flagValue : env[envName(option.flag)] ?? file[option.flag]
    config[option.key] = readValue(option, text)
  }
  const result = config as unknown as RelayConfig
  validate(result)
  return result
}

