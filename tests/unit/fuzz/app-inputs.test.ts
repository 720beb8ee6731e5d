/**
 * Fuzzing (issue 10): the app's other untrusted inputs.
 *
 * - src/lib/p2p/kernel/app-config.ts parseAppConfig (the served /config.json):
 *   an AppConfig or an InvalidConfigError; a valid config round-trips.
 * - src/lib/pwa/pending-share.ts readShareForm (the share target's form) and
 *   readPendingShare (the stored share, read back from Cache Storage): never
 *   a throw; the form's texts and files stay within the limits; a damaged
 *   stored share reads as undefined (or 'unreadable'), a valid one round-trips.
 * - src/lib/state/router.svelte.ts parseHash: never throws, always a Route.
 * - src/lib/model/linkify.ts linkify: never throws, the segments concatenated
 *   equal the input, only http/https/mailto links (checked by the URL
 *   parser), at most MAX_LINKS links of at most MAX_URL_LENGTH characters.
 * - src/lib/model/mentions.ts markMentions (group message bodies and member
 *   names from other people): never throws, the segments put the body back
 *   together, every mention is `@` and one of the names.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { InvalidConfigError, MAX_CONFIG_FILE_BYTES, parseAppConfig } from '../../../src/lib/p2p/kernel/app-config.ts'
import type { AppConfig } from '../../../src/lib/p2p/kernel/app-config.ts'
import { MAX_SHARE_BYTES, MAX_SHARE_FILES, MAX_SHARE_TEXT_CHARS, readPendingShare, readShareForm, SHARE_CACHE } from '../../../src/lib/pwa/pending-share.ts'
import type { PendingShareMeta } from '../../../src/lib/pwa/pending-share.ts'
import { parseHash } from '../../../src/lib/state/router.svelte.ts'
import type { RouteName } from '../../../src/lib/state/router.svelte.ts'
import { linkify, MAX_LINKS, MAX_URL_LENGTH } from '../../../src/lib/model/linkify.ts'
import { markMentions } from '../../../src/lib/model/mentions.ts'
import { expectEqual, expectSame, FUZZ_PARAMS, LOCAL_FUZZ_PARAMS, LOCAL_FUZZ_RUNS } from './runs.ts'
import { budgetMs } from '../../support/speed.ts'

/** How the inputs of a property ended: accepted, or refused with a typed error (every run ends in one). */
const tally = { ok: 0, refused: 0 }

let relayId: string

beforeAll(async () => {
  relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
})

function configOrRefused (text: string): AppConfig | undefined {
  try {
    const config = parseAppConfig(text)
    expectSame(Array.isArray(config.relays), true)
    tally.ok++
    return config
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err
    tally.refused++
    expectSame(err.name, 'InvalidConfigError')
    return undefined
  }
}

const relayish = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.tuple(fc.constantFrom('/dns4/relay.example', '/ip4/127.0.0.1', '/ip6/::1', '/dns4/', '/bogus/x', ''),
    fc.constantFrom('/tcp/443', '/tcp/99999', '/udp/1', ''), fc.constantFrom('/wss', '/ws', '/webrtc-direct', '/quic-v1', ''),
    fc.constantFrom('/p2p/<id>', '/p2p/', '/p2p/QmXyz', '/p2p-circuit', ''))
    .map(parts => parts.join(''))
)

describe('fuzz: parseAppConfig', () => {
  it('arbitrary text and JSON: an AppConfig or an InvalidConfigError', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v))), text => {
      configOrRefused(text)
    }), LOCAL_FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(LOCAL_FUZZ_RUNS)
  })

  it('config-shaped objects with odd fields: an AppConfig or an InvalidConfigError', () => {
    tally.ok = tally.refused = 0
    const odd = fc.jsonValue({ maxDepth: 2 })
    fc.assert(fc.property(fc.record({
      relays: fc.oneof(fc.array(fc.oneof(relayish, odd), { maxLength: 4 }), odd),
      iceServers: fc.oneof(fc.array(fc.oneof(fc.record({ urls: fc.oneof(fc.string({ maxLength: 30 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }), odd), username: fc.oneof(fc.string({ maxLength: 10 }), odd), credential: fc.oneof(fc.string({ maxLength: 10 }), odd) }, { requiredKeys: ['urls'] }), odd), { maxLength: 3 }), odd),
      maxFileBytes: fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, MAX_CONFIG_FILE_BYTES, MAX_CONFIG_FILE_BYTES + 1, 2 ** 53), odd)
    }, { requiredKeys: [] }), fields => {
      const relays = Array.isArray(fields.relays) ? fields.relays.map(r => typeof r === 'string' ? r.replace('<id>', relayId) : r) : fields.relays
      configOrRefused(JSON.stringify({ ...fields, relays }))
    }), LOCAL_FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(LOCAL_FUZZ_RUNS)
  })

  it('a valid config round-trips', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 4 }), fc.option(fc.integer({ min: 0, max: MAX_CONFIG_FILE_BYTES }), { nil: undefined }), (ports, maxFileBytes) => {
      const config: AppConfig = { relays: ports.map(p => `/dns4/relay.example/tcp/${p}/wss/p2p/${relayId}`), iceServers: [] }
      if (maxFileBytes !== undefined) config.maxFileBytes = maxFileBytes
      expectEqual(parseAppConfig(JSON.stringify(config)), config)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('a huge config is refused before parsing', () => {
    const started = performance.now()
    expect(() => parseAppConfig(`{"relays":["${'a'.repeat(2 ** 24)}"]}`)).toThrow(InvalidConfigError)
    expect(() => parseAppConfig('['.repeat(2 ** 20))).toThrow(InvalidConfigError)
    expect(performance.now() - started).toBeLessThan(budgetMs(1000))
  })
})

const formEntry = fc.oneof(
  fc.record({ name: fc.constantFrom('title', 'text', 'url', 'files', 'other'), value: fc.string({ unit: 'binary', maxLength: 50 }) }),
  fc.record({ name: fc.constantFrom('files', 'title'), file: fc.record({ name: fc.string({ maxLength: 20 }), type: fc.constantFrom('', 'image/png', 'text/plain', 'x'), size: fc.nat(16) }) })
)

describe('fuzz: share target', () => {
  it('readShareForm of arbitrary form data: never a throw, within the limits', () => {
    fc.assert(fc.property(fc.array(formEntry, { maxLength: MAX_SHARE_FILES + 2 }), fc.nat(), (entries, at) => {
      const form = new FormData()
      for (const entry of entries) {
        if ('value' in entry) form.append(entry.name, entry.value)
        else form.append(entry.name, new File([new Uint8Array(entry.file.size)], entry.file.name, { type: entry.file.type }))
      }
      const { meta, files } = readShareForm(form, at)
      expectSame(meta.at, at)
      for (const text of [meta.title, meta.text, meta.url]) expect(text.length).toBeLessThanOrEqual(MAX_SHARE_TEXT_CHARS)
      expect(files.length).toBeLessThanOrEqual(MAX_SHARE_FILES)
      expect(files.reduce((sum, f) => sum + f.size, 0)).toBeLessThanOrEqual(MAX_SHARE_BYTES)
      expectEqual(meta.files, files.map(f => ({ name: f.name, type: f.type, size: f.size })))
      expectSame(meta.problem === undefined || files.length === 0, true)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('a long text and too many files are refused, not kept', () => {
    const form = new FormData()
    form.append('text', 'x'.repeat(10 * MAX_SHARE_TEXT_CHARS))
    for (let i = 0; i <= MAX_SHARE_FILES; i++) form.append('files', new File(['x'], `${i}.txt`))
    const { meta, files } = readShareForm(form, 0)
    expect(meta.text).toHaveLength(MAX_SHARE_TEXT_CHARS)
    expectSame(meta.problem, 'too-many-files')
    expectEqual(files, [])
  })

  /** A CacheStorage holding `meta` (raw text, or absent) and files at the given indexes. */
  function storage (meta: string | undefined, fileIndexes: readonly number[]): CacheStorage {
    const entries = new Map<string, () => Response>()
    if (meta !== undefined) entries.set('/__parley/pending-share/meta.json', () => new Response(meta))
    for (const i of fileIndexes) entries.set(`/__parley/pending-share/file/${i}`, () => new Response(`file ${i}`))
    const cache = { match: async (url: string) => entries.get(url)?.() }
    return {
      has: async (name: string) => name === SHARE_CACHE,
      open: async () => cache
    } as unknown as CacheStorage
  }

  it('readPendingShare of an arbitrary stored description: a share or undefined, never a throw', async () => {
    const meta = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v)),
      fc.record({
        at: fc.oneof(fc.nat(), fc.jsonValue({ maxDepth: 0 })),
        title: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 0 })),
        text: fc.string({ maxLength: 10 }),
        url: fc.string({ maxLength: 10 }),
        files: fc.oneof(fc.array(fc.oneof(fc.record({ name: fc.string({ maxLength: 10 }), type: fc.constantFrom('', 'text/plain'), size: fc.nat() }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        problem: fc.constantFrom('too-large', 'unreadable', 'x')
      }, { requiredKeys: ['at', 'title', 'text', 'url', 'files'] }).map(v => JSON.stringify(v))
    )
    await fc.assert(fc.asyncProperty(fc.option(meta, { nil: undefined }), fc.subarray([0, 1, 2]), async (text, indexes) => {
      const share = await readPendingShare(storage(text, indexes))
      expectSame(share === undefined || (typeof share.at === 'number' && typeof share.title === 'string' && share.files.every(f => f instanceof File)), true)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('a valid stored share round-trips', async () => {
    const meta: PendingShareMeta = { at: 5, title: 't', text: 'x', url: '', files: [{ name: 'a.txt', type: 'text/plain', size: 6 }] }
    const share = await readPendingShare(storage(JSON.stringify(meta), [0]))
    expect(share).toMatchObject({ at: 5, title: 't', text: 'x', url: '' })
    expectEqual(share?.files.map(f => f.name), ['a.txt'])
  })
})

const ROUTES: readonly RouteName[] = ['chats', 'chat', 'search', 'contact', 'add', 'invite', 'settings', 'network', 'share', 'group', 'group-info', 'new-group', 'not-found']

describe('fuzz: parseHash', () => {
  it('arbitrary hashes: a Route, never a throw', () => {
    const hash = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.tuple(fc.constantFrom('', '#', '#/', '#/chat/', '#/contact/', '#/add/', '#/add', '#/search', '#/group/', '#/new-group'),
        fc.oneof(fc.string({ maxLength: 40 }), fc.nat().map(String), fc.constantFrom('99999999999999999', '1/01ARZ3NDEKTSV4RRFFQ69G5FAV', '%', '%E0%A4%A', '%zz', '0'),
          fc.stringMatching(/^[0-9a-fA-F]{30,34}(?:\/(?:info|01ARZ3NDEKTSV4RRFFQ69G5FAV|x))?$/)))
        .map(([a, b]) => a + b)
    )
    fc.assert(fc.property(hash, h => {
      const route = parseHash(h)
      expect(ROUTES).toContain(route.name)
      const contactId = route.name === 'chat' || route.name === 'contact' ? route.contactId : 1
      expectSame(Number.isSafeInteger(contactId) && contactId > 0, true)
      const groupId = route.name === 'group' || route.name === 'group-info' ? route.groupId : '0'.repeat(32)
      expect(groupId).toMatch(/^[0-9a-f]{32}$/)
    }), FUZZ_PARAMS)
  })
})

describe('fuzz: linkify', () => {
  const SAFE = new Set(['http:', 'https:', 'mailto:'])
  const body = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.constantFrom('http://', 'https://', 'mailto:', 'javascript:', 'data:', 'HTTP://', 'xhttp://', 'https://a.b/c', '(https://x.org/a)', 'https://x.org/a.', ' ', '\n', '.', ')', '(', '<', '"', '%', '[::1]', '@'),
      fc.webUrl()
    ), { maxLength: 12 }).map(parts => parts.join(''))
  )

  it('arbitrary bodies: segments that put the body back together, only safe links', () => {
    fc.assert(fc.property(body, text => {
      const segments = linkify(text)
      expectSame(segments.map(s => s.text).join(''), text)
      const links = segments.filter(s => s.kind === 'link')
      expect(links.length).toBeLessThanOrEqual(MAX_LINKS)
      for (const link of links) {
        expect(link.text.length).toBeLessThanOrEqual(MAX_URL_LENGTH)
        expectSame(SAFE.has(new URL(link.href).protocol), true)
      }
    }), FUZZ_PARAMS)
  })

  it('many links and huge bodies stay bounded', () => {
    const started = performance.now()
    const many = linkify('https://a.example/ '.repeat(10 * MAX_LINKS))
    expect(many.filter(s => s.kind === 'link')).toHaveLength(MAX_LINKS)
    const long = `https://a.example/${'x'.repeat(10 * MAX_URL_LENGTH)}`
    expectEqual(linkify(long), [{ kind: 'text', text: long }])
    expect(linkify('h'.repeat(2 ** 20)).map(s => s.text).join('')).toHaveLength(2 ** 20)
    expect(performance.now() - started).toBeLessThan(budgetMs(2000))
  })
})

describe('fuzz: markMentions', () => {
  const part = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('@', '@Ann', '@ann lee', ' ', ',', 'a@b', 'İ', '\u0130@x', 'https://x.org/@Ann'))
  const body = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.array(part, { maxLength: 12 }).map(parts => parts.join('')))
  const names = fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('Ann', 'Ann Lee', 'İlker', '')), { maxLength: 6 })

  it('arbitrary bodies and names: segments that put the body back together, mentions of given names only', () => {
    fc.assert(fc.property(body, names, (text, people) => {
      const segments = markMentions(linkify(text), people, people[0])
      expectSame(segments.map(s => s.text).join(''), text)
      const wanted = new Set(people.map(p => p.trim().toLocaleLowerCase()).filter(p => p !== ''))
      for (const s of segments) {
        if (s.kind !== 'mention') continue
        expectSame(s.text.startsWith('@'), true)
        expectSame(wanted.has(s.text.slice(1).toLocaleLowerCase()), true)
      }
    }), FUZZ_PARAMS)
  })
})
