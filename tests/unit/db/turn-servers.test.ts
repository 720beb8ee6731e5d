import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import {
  addTurnServer, listTurnServers, MAX_TURN_SECRET_CHARS, MAX_TURN_SERVERS, MAX_TURN_URL_CHARS, normalizeTurnUrl,
  readTurnServerInput, removeTurnServer, toIceServers, turnServerProblems
} from '../../../src/lib/db/turn-servers.ts'
import type { TurnServerRow } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import type { TurnServerProblems } from '../../../src/lib/db/turn-servers.ts'
import { rejection, rejectionWords, wordsOf } from '../../support/words.ts'

/** Each field's problem in the words the user reads (the db reports codes). */
function worded (problems: TurnServerProblems): Partial<Record<keyof TurnServerProblems, string>> {
  return Object.fromEntries(Object.entries(problems).map(([field, problem]) => [field, textOfError(problem)]))
}

const GOOD = { url: 'turn:turn.example.org:3478?transport=udp', username: 'alice', credential: 's3cret' }

describe('turnServerProblems', () => {
  it.each([
    'turn:turn.example.org',
    'turn:turn.example.org:3478',
    'turns:turn.example.org:5349?transport=tcp',
    'turn:203.0.113.7:3478?transport=udp',
    'turn:[2001:db8::1]:3478',
    'turn:[::1]',
    'turn:localhost:3478',
    'turn:turn.example.org.:443?transport=tcp'
  ])('accepts %s', (url) => {
    expect(turnServerProblems({ ...GOOD, url })).toEqual({})
  })

  it.each([
    ['an empty address', '', /Enter the TURN server's address, like turn:turn\.example\.org:3478\./],
    ['a STUN address', 'stun:stun.example.org:3478', /This is a STUN address\. Enter a TURN server's address, which starts with turn: or turns: \(like turn:turn\.example\.org:3478\)\./],
    ['a web address', 'https://turn.example.org/', /starts with turn: or turns:, not with a web address scheme like https:\/\//],
    ['another scheme', 'turnserver.example.org:3478', /must start with turn: or turns:/],
    ['slashes after the scheme', 'turn://turn.example.org:3478', /Leave out the "\/\/"/],
    ['no host', 'turn:', /has no host: write turn:<host>/],
    ['only a port', 'turn::3478', /has no host/],
    ['a bad host name', 'turn:turn_server.example.org', /"turn_server\.example\.org" is not a valid host/],
    ['a bad IPv4 address', 'turn:300.1.2.3:3478', /"300\.1\.2\.3" is not a valid host/],
    ['an IPv6 address without brackets', 'turn:2001:db8::1:3478', /Put an IPv6 address in brackets/],
    ['an unclosed bracket', 'turn:[2001:db8::1:3478', /has no closing "\]"/],
    ['something in brackets that is not IPv6', 'turn:[example.org]:3478', /not an IPv6 address/],
    ['a port that is not a number', 'turn:turn.example.org:http', /The port must be a number from 1 to 65535\./],
    ['port 0', 'turn:turn.example.org:0', /The port must be a number from 1 to 65535\./],
    ['a port above 65535', 'turn:turn.example.org:65536', /The port must be a number from 1 to 65535\./],
    ['an unknown option', 'turn:turn.example.org?transport=sctp', /The only option allowed after "\?" is transport=udp or transport=tcp\./],
    ['two options', 'turn:turn.example.org?transport=udp?transport=tcp', /The only option allowed/],
    ['a path', 'turn:turn.example.org/path', /no path, no "@" and no "#"/],
    ['credentials in the URL', 'turn:alice@turn.example.org', /no path, no "@" and no "#"/],
    ['a space', 'turn:turn.example.org 3478', /cannot contain spaces or control characters/],
    ['a control character', 'turn:turn.example.org\u0000', /cannot contain spaces or control characters/],
    ['too long an address', `turn:${'a'.repeat(MAX_TURN_URL_CHARS)}.org`, /The address is too long: at most 256 characters\./],
    ['not text', 42, /The address must be text\./]
  ])('refuses %s, in words', (_what, url, why) => {
    const problems = worded(turnServerProblems({ ...GOOD, url }))
    expect(problems.url).toMatch(why)
    expect(problems.username).toBeUndefined()
    expect(problems.credential).toBeUndefined()
  })

  it('needs a username and a credential (WebRTC refuses a TURN server without them)', () => {
    expect(worded(turnServerProblems({ ...GOOD, username: '', credential: '' }))).toEqual({
      username: 'Enter the username the TURN server gave you: WebRTC cannot use a TURN server without one.',
      credential: 'Enter the credential the TURN server gave you: WebRTC cannot use a TURN server without one.'
    })
  })

  it('bounds the username and credential and refuses control characters or non-text', () => {
    const long = 'x'.repeat(MAX_TURN_SECRET_CHARS + 1)
    expect(worded(turnServerProblems({ ...GOOD, username: long, credential: long }))).toEqual({
      username: `The username is too long: at most ${MAX_TURN_SECRET_CHARS} characters.`,
      credential: `The credential is too long: at most ${MAX_TURN_SECRET_CHARS} characters.`
    })
    expect(turnServerProblems({ ...GOOD, username: 'x'.repeat(MAX_TURN_SECRET_CHARS) })).toEqual({})
    expect(worded(turnServerProblems({ ...GOOD, username: 'a\nb' })).username).toBe('The username cannot contain control characters.')
    expect(worded(turnServerProblems({ ...GOOD, credential: null })).credential).toBe('The credential must be text.')
  })

  it('reports every field at once', () => {
    expect(Object.keys(turnServerProblems({ url: 'stun:x', username: '', credential: '' }))).toEqual(['url', 'username', 'credential'])
  })
})

describe('readTurnServerInput (the RPC params)', () => {
  it('returns the server with the scheme in lower case', () => {
    expect(readTurnServerInput({ ...GOOD, url: 'TURNS:turn.example.org:5349' })).toEqual({ ...GOOD, url: 'turns:turn.example.org:5349' })
    expect(normalizeTurnUrl('Turn:Turn.Example.org')).toBe('turn:Turn.Example.org')
  })

  it.each([
    ['null', null, /needs an address, a username and a credential/],
    ['a string', 'turn:turn.example.org', /needs an address, a username and a credential/],
    ['a list', [GOOD], /needs an address, a username and a credential/],
    ['a missing field', { url: GOOD.url, username: GOOD.username }, /is exactly an address, a username and a credential/],
    ['an extra field', { ...GOOD, urls: [GOOD.url] }, /is exactly an address, a username and a credential/],
    ['a bad URL', { ...GOOD, url: 'stun:x' }, /This is a STUN address/],
    ['a bad credential after a good URL', { ...GOOD, credential: '' }, /Enter the credential/]
  ])('refuses %s with an InvalidTurnServerError', (_what, params, why) => {
    expect(wordsOf(() => readTurnServerInput(params))).toMatch(why)
    expect(() => readTurnServerInput(params)).toThrow(expect.objectContaining({ name: 'InvalidTurnServerError' }))
  })
})

describe('the turnServers table', () => {
  let db: ParleyDb

  beforeEach(async () => { db = await openTestDb() })
  afterEach(() => { db.close() })

  it('adds servers and lists them in the order they were added', async () => {
    const first = await addTurnServer(db, GOOD, 100)
    const second = await addTurnServer(db, { url: 'TURNS:turn.example.org:5349', username: 'alice', credential: 'other' }, 200)
    expect(second).toBeGreaterThan(first)
    expect(await listTurnServers(db)).toEqual([
      { id: first, ...GOOD, addedAt: 100 },
      { id: second, url: 'turns:turn.example.org:5349', username: 'alice', credential: 'other', addedAt: 200 }
    ])
  })

  it(`keeps at most ${MAX_TURN_SERVERS} and writes nothing beyond`, async () => {
    for (let i = 1; i <= MAX_TURN_SERVERS; i++) await addTurnServer(db, { ...GOOD, url: `turn:turn${i}.example.org` }, i)
    const tooMany = await rejection(addTurnServer(db, { ...GOOD, url: 'turn:one-more.example.org' }, 9))
    expect(tooMany).toMatchObject({ name: 'TooManyTurnServersError', code: 'turnTooMany', params: { max: MAX_TURN_SERVERS } })
    expect(textOfError(tooMany)).toMatch(/already have 4 TURN servers.*Remove one to add another/)
    expect((await listTurnServers(db)).map((row) => row.url)).toEqual(['turn1', 'turn2', 'turn3', 'turn4'].map((h) => `turn:${h}.example.org`))
  })

  it('refuses the same server with the same username twice, and anything invalid, writing nothing', async () => {
    await addTurnServer(db, GOOD, 1)
    expect(await rejectionWords(addTurnServer(db, { ...GOOD, credential: 'new' }, 2))).toBe('This TURN server is already in your list with this username.')
    expect(await rejectionWords(addTurnServer(db, { ...GOOD, url: 'turn:' }, 3))).toMatch(/has no host/)
    expect(await rejectionWords(addTurnServer(db, { ...GOOD, extra: true }, 4))).toMatch(/exactly an address, a username and a credential/)
    expect(await db.turnServers.count()).toBe(1)
    // another username on the same server is another account
    await addTurnServer(db, { ...GOOD, username: 'bob' }, 5)
    expect(await db.turnServers.count()).toBe(2)
  })

  it('removes one server; removing it again is fine; a non-id is refused', async () => {
    const keep = await addTurnServer(db, GOOD, 1)
    const drop = await addTurnServer(db, { ...GOOD, username: 'bob' }, 2)
    await removeTurnServer(db, drop)
    await removeTurnServer(db, drop)
    expect((await listTurnServers(db)).map((row) => row.id)).toEqual([keep])
    for (const bad of ['1', 0, -1, 1.5, null, Number.MAX_SAFE_INTEGER + 1]) {
      await expect(removeTurnServer(db, bad)).rejects.toThrow(expect.objectContaining({ name: 'InvalidTurnServerError' }))
    }
    expect(await db.turnServers.count()).toBe(1)
  })

  it('toIceServers gives RTCIceServers and skips rows that break the rules', async () => {
    const rows: TurnServerRow[] = [
      { id: 1, ...GOOD, addedAt: 1 },
      // e.g. edited in the browser's dev tools: would make RTCPeerConnection throw
      { id: 2, url: 'turn:bad host', username: 'x', credential: 'y', addedAt: 2 },
      { id: 3, url: 'turns:turn.example.org', username: 'bob', credential: 'pw', addedAt: 3 }
    ]
    expect(toIceServers(rows)).toEqual([
      { urls: [GOOD.url], username: 'alice', credential: 's3cret' },
      { urls: ['turns:turn.example.org'], username: 'bob', credential: 'pw' }
    ])
  })
})
