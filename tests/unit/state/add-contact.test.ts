/**
 * "Add <name>?" (state/add-contact.svelte.ts) over a fake node: a preview
 * sends nothing, only confirm() adds; what the card offers for each way a
 * person stands with us; an answer for an older preview is dropped.
 */
import { describe, expect, it } from 'vitest'
import { AddContactManager, addAction, candidateName } from '../../../src/lib/state/add-contact.svelte.ts'
import { fakeCall } from '../../support/fake-node.ts'
import type { InvitePreview } from '../../../src/lib/contract/index.ts'
import type { ContactId, ContactState } from '../../../src/lib/db/types.ts'

const PEER = '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
const LINK = `https://parley.example/#/c/${PEER}/QWxpY2U`

const known = (state: ContactState, blocked = false): InvitePreview['contact'] => ({ contactId: 7 as ContactId, state, blocked, name: 'Alice (known)' })

describe('addAction', () => {
  it('a stranger, a deleted or still-asked contact gets a request; a waiting one is accepted; a contact opened; a blocked one not', () => {
    expect(addAction({ peerId: PEER, addresses: 0 })).toBe('request')
    expect(addAction({ peerId: PEER, addresses: 0, contact: known('requested') })).toBe('request')
    expect(addAction({ peerId: PEER, addresses: 0, contact: known('deleted') })).toBe('request')
    expect(addAction({ peerId: PEER, addresses: 0, contact: known('pending') })).toBe('accept')
    expect(addAction({ peerId: PEER, addresses: 0, contact: known('declined') })).toBe('accept')
    expect(addAction({ peerId: PEER, addresses: 0, contact: known('accepted') })).toBe('open')
    expect(addAction({ peerId: PEER, addresses: 0, contact: known('accepted', true) })).toBe('blocked')
  })

  it('the card names them by the invite, else by Nearby, else as we know them', () => {
    expect(candidateName({ via: 'invite', text: LINK, preview: { peerId: PEER, name: 'Alice', addresses: 0, contact: known('accepted') } })).toBe('Alice')
    expect(candidateName({ via: 'invite', text: PEER, preview: { peerId: PEER, addresses: 0, contact: known('accepted') } })).toBe('Alice (known)')
    expect(candidateName({ via: 'invite', text: PEER, preview: { peerId: PEER, addresses: 0 } })).toBeUndefined()
    expect(candidateName({ via: 'nearby', person: { peerId: PEER, name: 'Nearby Alice' }, preview: { peerId: PEER, addresses: 0 } })).toBe('Nearby Alice')
  })
})

describe('AddContactManager', () => {
  it('a preview sends nothing; confirm() adds from the same text and returns the contact', async () => {
    const node = fakeCall({
      previewInvite: ({ invite }) => ({ peerId: PEER, name: invite === LINK ? 'Alice' : '?', addresses: 0 }),
      addContact: () => ({ contactId: 3 as ContactId })
    })
    const adding = new AddContactManager(node)
    await adding.preview(LINK)
    expect(node.calls.map(c => c.method)).toEqual(['previewInvite'])
    expect(adding.candidate).toEqual({ via: 'invite', text: LINK, preview: { peerId: PEER, name: 'Alice', addresses: 0 } })
    expect(adding.busy).toBe(false)

    expect(await adding.confirm()).toBe(3)
    expect(node.calls).toEqual([{ method: 'previewInvite', params: { invite: LINK } }, { method: 'addContact', params: { invite: LINK } }])
  })

  it('Nearby: the PeerID is previewed, confirm() adds through addNearby', async () => {
    const node = fakeCall({
      previewInvite: () => ({ peerId: PEER, addresses: 0 }),
      addNearby: () => ({ contactId: 4 as ContactId })
    })
    const adding = new AddContactManager(node)
    await adding.previewNearby({ peerId: PEER, name: 'Bob' })
    expect(node.calls[0]).toEqual({ method: 'previewInvite', params: { invite: PEER } })
    expect(await adding.confirm()).toBe(4)
    expect(node.calls[1]).toEqual({ method: 'addNearby', params: { peerId: PEER } })
  })

  it('a contact already accepted is only opened, a blocked one neither added nor opened', async () => {
    const node = fakeCall({ previewInvite: ({ invite }) => ({ peerId: PEER, addresses: 0, contact: known('accepted', invite === 'blocked') }) })
    const adding = new AddContactManager(node)
    await adding.preview(LINK)
    expect(await adding.confirm()).toBe(7)
    await adding.preview('blocked')
    expect(await adding.confirm()).toBeUndefined()
    expect(node.calls.map(c => c.method)).toEqual(['previewInvite', 'previewInvite'])
  })

  it('a refused invite leaves no card and says why; a failed add keeps the card with the reason', async () => {
    const refusal = Object.assign(new Error('bad'), { name: 'InvalidInviteError', code: 'inviteEmpty', params: {} })
    const node = fakeCall({
      previewInvite: ({ invite }) => { if (invite === 'bad') throw refusal; return { peerId: PEER, addresses: 0 } },
      addContact: () => { throw Object.assign(new Error('blocked'), { name: 'UnusableInviteError', code: 'contactBlocked', params: {} }) }
    })
    const adding = new AddContactManager(node)
    await adding.preview('bad')
    expect(adding.candidate).toBeUndefined()
    expect(adding.error).toMatch(/empty/)

    await adding.preview(LINK)
    expect(adding.error).toBe('')
    expect(await adding.confirm()).toBeUndefined()
    expect(adding.candidate).toBeDefined()
    expect(adding.error).not.toBe('')
  })

  it('an answer for an older preview, or after cancel(), is dropped', async () => {
    let release: (() => void) | undefined
    const node = fakeCall({
      previewInvite: async ({ invite }) => {
        if (invite === 'slow') await new Promise<void>(resolve => { release = resolve })
        return { peerId: PEER, name: invite, addresses: 0 }
      }
    })
    const adding = new AddContactManager(node)
    const slow = adding.preview('slow')
    await adding.preview('fast')
    release?.()
    await slow
    expect(adding.candidate?.preview.name).toBe('fast')

    const late = adding.preview('slow')
    adding.cancel()
    release?.()
    await late
    expect(adding.candidate).toBeUndefined()
    expect(adding.busy).toBe(false)
  })
})
