import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  encodeInvite,
  encodeShortInvite,
  InvalidInviteError,
  MAX_NAME_CHARS,
  MAX_SHORT_LINK_CHARS,
  parseInvite,
  SHORT_LINK_PATH
} from '../../../../src/lib/p2p/identity/invite.ts'
import { textOfError } from '../../../../src/lib/i18n/error-text.ts'
import { shortLinkCheck } from '../../../../src/lib/p2p/identity/invite-check.ts'

/** Short links `<origin>/#/c/<PeerID>[/<name>]` and a bare PeerID (docs/protocols.md, "Invites"). */

const ORIGIN = 'https://parley.example'

let id: string
let relayId: string
let rsaId: string

beforeAll(async () => {
  id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  rsaId = peerIdFromPrivateKey(await generateKeyPair('RSA', 1024)).toString()
})

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

/** The words of the InvalidInviteError `text` is refused with. */
function refusal (text: string): string {
  try {
    parseInvite(text)
  } catch (err) {
    expect((err as Error).name).toBe(InvalidInviteError.NAME)
    return textOfError(err) ?? ''
  }
  throw new Error(`expected ${text} to be refused`)
}

describe('encodeShortInvite', () => {
  it('is the origin, #/c/, the PeerID, the name in base64url and the check', () => {
    expect(encodeShortInvite(id, 'Alice', ORIGIN)).toBe(`${ORIGIN}/#/c/${id}/${b64('Alice')}.${shortLinkCheck(`${id}/${b64('Alice')}`)}`)
    expect(encodeShortInvite(id, undefined, ORIGIN)).toBe(`${ORIGIN}/#/c/${id}.${shortLinkCheck(id)}`)
  })

  it('stays within 120 characters: a long name is clipped to whole characters, and reads back as its start', () => {
    for (const name of ['A'.repeat(MAX_NAME_CHARS), 'Александра Константиновна', '👩‍👩‍👧‍👦'.repeat(8), 'Bob']) {
      const link = encodeShortInvite(id, name, ORIGIN)
      expect(link.length).toBeLessThanOrEqual(MAX_SHORT_LINK_CHARS)
      const parsed = parseInvite(link)
      expect(parsed.peerId).toBe(id)
      expect(parsed.addresses).toEqual([])
      expect(parsed.name).toBeDefined()
      expect(name.startsWith(parsed.name ?? '-')).toBe(true)
    }
    expect(parseInvite(encodeShortInvite(id, 'Bob', ORIGIN)).name).toBe('Bob')
  })

  it('leaves the name out when even one character would not fit the origin', () => {
    const origin = `https://${'x'.repeat(60)}.example`
    const link = encodeShortInvite(id, 'Alice', origin)
    expect(link).toBe(`${origin}/#/c/${id}.${shortLinkCheck(id)}`)
    expect(parseInvite(link)).toEqual({ peerId: id, addresses: [], checked: true, sessions: true })
  })
})

describe('parseInvite: short forms', () => {
  it('takes a link from before the check, its fragment alone, or a bare PeerID, unchecked; no addresses (found by PeerID)', () => {
    const name = b64('Alice')
    expect(parseInvite(`${ORIGIN}/#/c/${id}/${name}`)).toEqual({ peerId: id, name: 'Alice', addresses: [] })
    expect(parseInvite(`http://127.0.0.1:5173/#/c/${id}/${name}`)).toEqual({ peerId: id, name: 'Alice', addresses: [] })
    expect(parseInvite(`#/c/${id}/${name}`)).toEqual({ peerId: id, name: 'Alice', addresses: [] })
    expect(parseInvite(`  ${ORIGIN}/#/c/${id}/${name}\n`)).toEqual({ peerId: id, name: 'Alice', addresses: [] })
    expect(parseInvite(`${ORIGIN}/#/c/${id}`)).toEqual({ peerId: id, addresses: [] })
    expect(parseInvite(`${ORIGIN}/#/c/${id}/`)).toEqual({ peerId: id, addresses: [] })
    expect(parseInvite(id)).toEqual({ peerId: id, addresses: [] })
  })

  it('drops a query an app appended, and undoes percent-encoding once or twice', () => {
    const link = `${ORIGIN}/#/c/${id}/${b64('Алиса')}`
    expect(parseInvite(`${link}?utm_source=chat&x=1`)).toEqual({ peerId: id, name: 'Алиса', addresses: [] })
    expect(parseInvite(encodeURIComponent(link))).toEqual({ peerId: id, name: 'Алиса', addresses: [] })
    expect(parseInvite(encodeURIComponent(encodeURIComponent(link)))).toEqual({ peerId: id, name: 'Алиса', addresses: [] })
  })

  it('refuses what is wrong with its own reason, and the long forms still work', () => {
    expect(refusal(`${ORIGIN}/#/c/${id}/${b64('Alice')}/more`)).toMatch(/more after the name/)
    expect(refusal(`${ORIGIN}/#/c/${id}/${b64('Alice')}*`)).toMatch(/name in the link is damaged/)
    expect(refusal(`${ORIGIN}/#/c/${id}/${b64('Alice').slice(0, 1)}`)).toMatch(/name in the link is damaged/)
    expect(refusal(`${ORIGIN}/#/c/${id}/${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url')}`)).toMatch(/name in the link is damaged/)
    expect(refusal(`${ORIGIN}/#/c/${id}/${b64('a\u0007b')}`)).toBe(textOfError(new InvalidInviteError('inviteNameControl')))
    expect(refusal(`${ORIGIN}/#/c/${id}/${b64('   ')}`)).toBe(textOfError(new InvalidInviteError('inviteNameEmpty')))
    expect(refusal(`${ORIGIN}/#/c/${id.slice(0, 30)}\n${id.slice(30)}`)).toBe(textOfError(new InvalidInviteError('inviteLinkSplit')))
    expect(refusal(`${ORIGIN}/#/c/${id.slice(0, -3)}`)).toBe(textOfError(new InvalidInviteError('invitePeerIdCut', { id: id.slice(0, -3) })))
    expect(refusal(`${ORIGIN}/#/c/hello`)).toBe(textOfError(new InvalidInviteError('invitePeerIdPrefix', { id: 'hello' })))
    expect(refusal(rsaId)).toBe(textOfError(new InvalidInviteError('invitePeerIdRsa')))

    // the full invite states the PeerID again in each address (checked); the text form without /p2p/<PeerID> does not
    const full = { peerId: id, name: 'Alice', addresses: [`/ip4/127.0.0.1/tcp/9090/ws/p2p/${relayId}/p2p-circuit/p2p/${id}`] }
    expect(parseInvite(encodeInvite(full, ORIGIN))).toEqual({ ...full, checked: true })
    expect(parseInvite(`${id}@/ip4/127.0.0.1/tcp/9090/ws/p2p/${relayId}/p2p-circuit`)).toEqual({ peerId: id, name: undefined, addresses: full.addresses })
  })

  it('the path constant is the route the app opens', () => {
    expect(SHORT_LINK_PATH).toBe('#/c/')
  })
})
