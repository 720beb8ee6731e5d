/**
 * The user's own TURN servers (Settings → "Connection help (TURN)"): the
 * rules for one, and the `turnServers` table. The worker adds and removes
 * rows (through RPC, see NodeService) and hands them to WebRTC next to the
 * served `iceServers`; tabs list them with `liveQuery` and run the same
 * checks before calling, to show each problem next to its field.
 *
 * A TURN URL follows RFC 7065: `turn:` or `turns:`, a host (name, IPv4, or
 * IPv6 in brackets), an optional port and an optional `?transport=udp|tcp`.
 * The checks are strict on purpose: Chromium's RTCPeerConnection constructor
 * throws on a TURN URL it cannot parse or one without username and credential,
 * and one bad entry would then fail every new WebRTC connection.
 */
import type { ErrorCode, ErrorParams } from '../contract/errors.ts'
import type { ParleyDb } from './db.ts'
import { InvalidTurnServerError, TooManyTurnServersError } from './errors.ts'
import type { TurnServerRow } from './types.ts'

/** Most TURN servers a user keeps: more only slows ICE gathering (each one is asked for a relay candidate). */
export const MAX_TURN_SERVERS = 4
/** Longest TURN URL, in characters. */
export const MAX_TURN_URL_CHARS = 256
/** Longest username or credential, in characters (STUN allows 513 bytes; real ones are far shorter). */
export const MAX_TURN_SECRET_CHARS = 256

/** What the user types for one TURN server. */
export interface TurnServerInput {
  url: string
  username: string
  credential: string
}

export type TurnServerField = keyof TurnServerInput

/** The problem with each field, in words; a field that is fine is absent. */
/** The turn* codes that say what is wrong with one field. */
export type TurnProblemCode = Extract<ErrorCode, `turn${'Url' | 'Ipv6' | 'No' | 'Bad' | 'Username' | 'Credential'}${string}`>

/** One field's problem: its code and that code's params. */
export type TurnProblem = { [C in TurnProblemCode]: { code: C, params: ErrorParams<C> } }[TurnProblemCode]

export type TurnServerProblems = Partial<Record<TurnServerField, TurnProblem>>

const problem = <C extends TurnProblemCode>(code: C, ...[params]: Record<string, never> extends ErrorParams<C> ? [] : [ErrorParams<C>]): TurnProblem =>
  ({ code, params: params ?? {} }) as TurnProblem

/** The fields, in the order they are shown and checked. */
const FIELDS: readonly TurnServerField[] = ['url', 'username', 'credential']
/** Each secret field's sentences (lib/i18n, area 'errors'). */
const FIELD_PROBLEMS = {
  username: { notText: 'turnUsernameNotText', empty: 'turnUsernameEmpty', tooLong: 'turnUsernameTooLong', control: 'turnUsernameControl' },
  credential: { notText: 'turnCredentialNotText', empty: 'turnCredentialEmpty', tooLong: 'turnCredentialTooLong', control: 'turnCredentialControl' }
} as const satisfies Record<'username' | 'credential', Record<string, TurnProblemCode>>

const SCHEME = /^(turns?):/i
/** C0 and C1 controls, DEL, and whitespace: none belongs in a URL, a username or a credential. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const WHITESPACE = /\s/
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const IP4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const IP6 = /^[0-9A-Fa-f:.]{2,45}$/
const PORT = /^\d{1,5}$/
const TRANSPORTS = new Set(['transport=udp', 'transport=tcp'])

/**
 * Why `input` cannot be saved, field by field, in words (the current
 * language); `{}` when it can.
 * Takes `unknown` values too, since the worker checks what arrives over RPC.
 */
export function turnServerProblems (input: { url: unknown, username: unknown, credential: unknown }): TurnServerProblems {
  const problems: TurnServerProblems = {}
  const url = urlProblem(input.url)
  if (url !== undefined) problems.url = url
  for (const field of ['username', 'credential'] as const) {
    const problem = secretProblem(field, input[field])
    if (problem !== undefined) problems[field] = problem
  }
  return problems
}

/** The URL as stored: the scheme in lower case (`TURN:` works, but is not how it is written). */
export function normalizeTurnUrl (url: string): string {
  return url.replace(SCHEME, (scheme) => scheme.toLowerCase())
}

/**
 * Checks an RPC request to add a TURN server: exactly `{ url, username, credential }`,
 * each valid. Returns it with the URL normalised.
 *
 * @throws InvalidTurnServerError with the first problem in words.
 */
export function readTurnServerInput (params: unknown): TurnServerInput {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InvalidTurnServerError('turnNotObject')
  }
  const keys = Object.keys(params)
  if (keys.length !== FIELDS.length || !FIELDS.every((field) => Object.hasOwn(params, field))) {
    throw new InvalidTurnServerError('turnExactFields')
  }
  const value = params as Record<TurnServerField, unknown>
  const problems = turnServerProblems(value)
  const first = FIELDS.map((field) => problems[field]).find((problem) => problem !== undefined)
  if (first !== undefined) throw new InvalidTurnServerError(first.code, first.params)
  const input = value as TurnServerInput
  return { url: normalizeTurnUrl(input.url), username: input.username, credential: input.credential }
}

/**
 * Adds a TURN server, after the same checks as {@link readTurnServerInput}.
 * The count and the duplicate check run in the write transaction, so two tabs
 * adding at once cannot go past the limit.
 *
 * @returns the new row's id.
 * @throws InvalidTurnServerError, TooManyTurnServersError; nothing is written then.
 */
export async function addTurnServer (db: ParleyDb, params: unknown, now: number): Promise<number> {
  const input = readTurnServerInput(params)
  return db.transaction('rw', db.turnServers, async () => {
    const rows = await db.turnServers.toArray()
    if (rows.length >= MAX_TURN_SERVERS) {
      throw new TooManyTurnServersError('turnTooMany', { max: MAX_TURN_SERVERS })
    }
    if (rows.some((row) => row.url === input.url && row.username === input.username)) {
      throw new InvalidTurnServerError('turnDuplicate')
    }
    return db.turnServers.add({ ...input, addedAt: now })
  })
}

/**
 * Removes one TURN server. Removing one that is already gone (another tab
 * removed it first) is not an error.
 *
 * @throws InvalidTurnServerError when `id` is not a row id at all.
 */
export async function removeTurnServer (db: ParleyDb, id: unknown): Promise<void> {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidTurnServerError('turnUnknown')
  }
  await db.turnServers.delete(id)
}

/** The user's TURN servers in the order they were added (at most {@link MAX_TURN_SERVERS}). */
export async function listTurnServers (db: ParleyDb): Promise<TurnServerRow[]> {
  return db.turnServers.orderBy('id').limit(MAX_TURN_SERVERS).toArray()
}

/**
 * The rows as `RTCIceServer`s, skipping any that break the rules (a row can
 * only get there from outside Parley, e.g. edited in the browser's dev
 * tools, and must not fail every connection).
 */
export function toIceServers (rows: readonly TurnServerRow[]): Array<{ urls: string[], username: string, credential: string }> {
  return rows
    .filter((row) => Object.keys(turnServerProblems(row)).length === 0)
    .slice(0, MAX_TURN_SERVERS)
    .map((row) => ({ urls: [row.url], username: row.username, credential: row.credential }))
}

function urlProblem (value: unknown): TurnProblem | undefined {
  if (typeof value !== 'string') return problem('turnUrlNotText')
  if (value === '') return problem('turnUrlEmpty')
  if (value.length > MAX_TURN_URL_CHARS) return problem('turnUrlTooLong', { max: MAX_TURN_URL_CHARS })
  if (WHITESPACE.test(value) || CONTROL.test(value)) return problem('turnUrlSpaces')
  const scheme = SCHEME.exec(value)
  if (scheme === null) {
    if (/^stuns?:/i.test(value)) return problem('turnUrlStun')
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return problem('turnUrlWebScheme')
    return problem('turnUrlScheme')
  }
  const rest = value.slice(scheme[0].length)
  if (rest.startsWith('//')) return problem('turnUrlSlashes')
  const [hostPort = '', query, extra] = rest.split('?')
  if (extra !== undefined || (query !== undefined && !TRANSPORTS.has(query))) {
    return problem('turnUrlQuery')
  }
  if (hostPort.includes('/') || hostPort.includes('@') || hostPort.includes('#')) {
    return problem('turnUrlPath')
  }
  return hostPortProblem(hostPort)
}

function hostPortProblem (hostPort: string): TurnProblem | undefined {
  let host: string
  let port: string | undefined
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']')
    if (end === -1) return problem('turnIpv6Unclosed')
    host = hostPort.slice(1, end)
    const after = hostPort.slice(end + 1)
    if (after !== '' && !after.startsWith(':')) return problem('turnIpv6After')
    if (after !== '') port = after.slice(1)
    if (!IP6.test(host) || !host.includes(':')) return problem('turnIpv6Invalid')
  } else {
    const parts = hostPort.split(':')
    if (parts.length > 2) return problem('turnIpv6Brackets')
    host = parts[0] ?? ''
    port = parts[1]
    if (host === '') return problem('turnNoHost')
    if (!validHostName(host)) return problem('turnBadHost', { host: host.slice(0, 64) })
  }
  if (port !== undefined && (!PORT.test(port) || Number(port) < 1 || Number(port) > 65_535)) {
    return problem('turnBadPort')
  }
  return undefined
}

function validHostName (host: string): boolean {
  if (/^[\d.]+$/.test(host)) return IP4.test(host)
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  return name.length <= 253 && name.split('.').every((label) => DNS_LABEL.test(label))
}

function secretProblem (field: 'username' | 'credential', value: unknown): TurnProblem | undefined {
  const problems = FIELD_PROBLEMS[field]
  if (typeof value !== 'string') return problem(problems.notText)
  if (value === '') return problem(problems.empty)
  if (value.length > MAX_TURN_SECRET_CHARS) return problem(problems.tooLong, { max: MAX_TURN_SECRET_CHARS })
  if (CONTROL.test(value)) return problem(problems.control)
  return undefined
}
