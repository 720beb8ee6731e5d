/**
 * The tab's group state: the chats list's order with groups
 * (state/chat-list.ts), what is news for notifications
 * (state/group-notices.ts), who may do what (model/group-rules.ts), the
 * group changes in words (state/groups.svelte.ts), the @ list
 * (state/mention-picker.svelte.ts), and the group routes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeCall } from '../../support/fake-node.ts'
import type { GroupSummary } from '../../../src/lib/db/group-reads.ts'
import type { ChatSummary } from '../../../src/lib/db/messages.ts'
import type { ContactRow, GroupMemberRow, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { chatListEntries } from '../../../src/lib/state/chat-list.ts'
import { groupNews } from '../../../src/lib/state/group-notices.ts'
import { authorOf, initials, mayManage, mayRemove, maySetRole, memberName, onlineMembers, pictureSrc, sortedMembers } from '../../../src/lib/model/group-rules.ts'
import { GroupActions, membersView, type GroupsNode } from '../../../src/lib/state/groups.svelte.ts'
import { MentionPicker } from '../../../src/lib/state/mention-picker.svelte.ts'
import { groupHref, groupInfoHref, parseHash } from '../../../src/lib/state/router.svelte.ts'

const G1 = '1'.repeat(32)
const G2 = '2'.repeat(32)
const member = (peer: string, role: GroupMemberRow['role'], name = peer): GroupMemberRow => ({ peer, role, name, mailboxes: [] })
const group = (id: string, extra: Partial<GroupRow> = {}): GroupRow => ({
  id, name: `group ${id[0] ?? ''}`, picture: '', state: 'member', lamport: 0, heads: [], createdAt: 10, updatedAt: 10,
  members: [member('me', 'owner', 'Me'), member('adm', 'admin', 'Ada'), member('bob', 'member', 'Bob')], ...extra
})
const msg = (id: string, at: number, extra: Partial<MessageRow> = {}): MessageRow => ({
  id: id as MessageId, contactId: 0, direction: 'in', fromPeerId: 'bob', kind: 'text', body: id, sentAt: at, receivedAt: at, state: 'delivered', ...extra
})
const contact = (id: number, username: string): ContactRow => ({ id, peerId: `12D3KooW${username}`, username, state: 'accepted' } as unknown as ContactRow)

describe('chat list', () => {
  it('puts groups among the chats by activity, contacts without messages last, and searches both by name', () => {
    const chats: ChatSummary[] = [
      { contact: contact(1, 'alice'), lastMessage: msg('a', 300) },
      { contact: contact(2, 'bob'), lastMessage: msg('b', 100) },
      { contact: contact(3, 'carol') }
    ]
    const groups: GroupSummary[] = [
      { group: group(G1, { name: 'Trip' }), lastMessage: msg('g', 200, { groupId: G1 }), unread: 0 },
      { group: group(G2, { name: 'Quiet', createdAt: 400 }), unread: 0 }
    ]
    expect(chatListEntries(chats, groups).map(e => e.key)).toEqual([`g${G2}`, 'c1', `g${G1}`, 'c2', 'c3'])
    expect(chatListEntries(chats, groups, 'tri').map(e => e.key)).toEqual([`g${G1}`])
    expect(chatListEntries(chats, groups, 'car').map(e => e.key)).toEqual(['c3'])
  })
})

describe('group news', () => {
  it('is nothing on the first reading; then a newer unread message per group and new invitations', () => {
    const first = groupNews(undefined, [
      { group: group(G1), unread: 1, newestUnread: msg('m1', 1, { lamport: 1 }) },
      { group: group(G2, { state: 'invited' }), unread: 0 }
    ])
    expect(first.news).toEqual({ messages: [], invitations: [] })

    const invited = group('3'.repeat(32), { state: 'invited' })
    const next = groupNews(first.seen, [
      { group: group(G1), unread: 2, newestUnread: msg('m2', 2, { lamport: 2 }) },
      { group: group(G2, { state: 'invited' }), unread: 0 },
      { group: invited, unread: 0 }
    ])
    expect(next.news.messages.map(n => n.message.id)).toEqual(['m2'])
    expect(next.news.invitations.map(g => g.id)).toEqual([invited.id])

    // an older message becoming the newest unread (the newer one read elsewhere) is no news; nor is a group we left
    const after = groupNews(next.seen, [
      { group: group(G1), unread: 1, newestUnread: msg('m1', 1, { lamport: 1 }) },
      { group: group(G2, { state: 'left' }), unread: 1, newestUnread: msg('x', 5, { lamport: 5 }) }
    ])
    expect(after.news).toEqual({ messages: [], invitations: [] })
  })
})

describe('group rules', () => {
  const row = group(G1)
  const [owner, admin, plain] = row.members as [GroupMemberRow, GroupMemberRow, GroupMemberRow]

  it('lets the owner do everything to others, admins manage members but not the owner, members nothing', () => {
    expect(mayManage(row, 'me')).toBe(true)
    expect(mayManage(row, 'adm')).toBe(true)
    expect(mayManage(row, 'bob')).toBe(false)
    expect(mayManage({ ...row, state: 'left' }, 'me')).toBe(false)
    expect(maySetRole(row, 'me', admin)).toBe(true)
    expect(maySetRole(row, 'me', owner)).toBe(false)
    expect(maySetRole(row, 'adm', plain)).toBe(false)
    expect(mayRemove(row, 'me', admin)).toBe(true)
    expect(mayRemove(row, 'adm', plain)).toBe(true)
    expect(mayRemove(row, 'adm', owner)).toBe(false)
    expect(mayRemove(row, 'adm', admin)).toBe(false)
    expect(mayRemove(row, 'bob', admin)).toBe(false)
  })

  it('names, sorts and finds the members online; initials and pictures', () => {
    expect(memberName(row, 'adm')).toBe('Ada')
    expect(memberName(row, '12D3KooWsomeoneelse')).toBe('12D3KooWsome…')
    expect(sortedMembers([plain, admin, owner, member('zed', 'member', 'Al')], 'bob').map(m => m.name)).toEqual(['Me', 'Ada', 'Bob', 'Al'])
    expect(onlineMembers(row, 'me', { adm: 'relayed', bob: 'offline', me: 'direct' }).map(m => m.name)).toEqual(['Ada'])
    expect(initials(' weekend  trip plans')).toBe('WT')
    expect(initials('')).toBe('?')
    expect(pictureSrc('data:image/png;base64,iVBORw0KGgo=')).toBe('data:image/png;base64,iVBORw0KGgo=')
    expect(pictureSrc('data:image/svg+xml;base64,PHN2Zz4=')).toBeUndefined()
    expect(pictureSrc('https://example.org/x.png')).toBeUndefined()
  })
})

describe('GroupActions', () => {
  beforeEach(() => { vi.spyOn(console, 'error').mockImplementation(() => undefined) })
  afterEach(() => { vi.restoreAllMocks() })

  it('makes one change at a time, trims names, adds contacts one by one, and words a failure', async () => {
    let release: (() => void) | undefined
    const fake = fakeCall({
      createGroup: async () => ({ groupId: G1 }),
      renameGroup: async () => { await new Promise<void>((resolve) => { release = resolve }); return null },
      addGroupMember: async ({ contactId }) => { if (contactId === 3) throw new Error('Only accepted contacts can be added to a group.'); return null }
    })
    const groups = new GroupActions({ call: fake.call } as GroupsNode)
    expect(await groups.create('  Trip ', [1, 2])).toBe(G1)
    const renaming = groups.rename(G1, ' New ')
    expect(groups.busy).toEqual({ kind: 'rename', groupId: G1 })
    expect(await groups.leave(G1)).toBe(false)
    release?.()
    expect(await renaming).toBe(true)
    expect(await groups.add(G1, [2, 3, 4])).toBe(false)
    expect(groups.error).toBe('Only accepted contacts can be added to a group.')
    expect(groups.busy).toBeUndefined()
    expect(fake.calls.map(c => [c.method, c.params])).toEqual([
      ['createGroup', { name: 'Trip', contactIds: [1, 2] }],
      ['renameGroup', { groupId: G1, name: 'New' }],
      ['addGroupMember', { groupId: G1, contactId: 2 }],
      ['addGroupMember', { groupId: G1, contactId: 3 }]
    ])
  })
})

describe('on a linked device (its PeerID is not the account\'s)', () => {
  // the status of a device linked to the account 'me': the group's rows name the account
  const LINKED = { peerId: 'my-phone', account: 'me' }

  it('Group info takes us for the account: the member "me", first, with our role and what it may do', () => {
    const row = group(G1, { members: [member('adm', 'admin', 'Ada'), member('bob', 'member', 'Bob'), member('me', 'owner', 'Me')] })
    const view = membersView(row, LINKED)
    expect(view.me).toBe('me')
    expect(view.members.map(m => m.peer)).toEqual(['me', 'adm', 'bob'])
    expect(view.manage).toBe(true)
    expect(maySetRole(row, view.me, member('bob', 'member'))).toBe(true)
    expect(mayRemove(row, view.me, member('adm', 'admin'))).toBe(true)
    expect(mayRemove(row, view.me, member('me', 'owner'))).toBe(false)

    const asAdmin = group(G1, { members: [member('owner', 'owner', 'Olga'), member('bob', 'member', 'Bob'), member('me', 'admin', 'Me')] })
    const admin = membersView(asAdmin, LINKED)
    expect(admin.members.map(m => m.peer)).toEqual(['owner', 'me', 'bob'])
    expect(admin.manage).toBe(true)
    expect(maySetRole(asAdmin, admin.me, member('bob', 'member'))).toBe(false)
  })

  it('takes no one for us before the node knows the account, and the device\'s PeerID for no member', () => {
    const row = group(G1)
    expect(membersView(row, {})).toEqual({ me: undefined, members: sortedMembers(row.members, undefined), manage: false })
    expect(membersView(row, { account: 'my-phone' }).manage).toBe(false)
  })

  it('the chats list shows our last group message as ours, also one another device of the account sent', () => {
    const row = group(G1)
    expect(authorOf(row, msg('a', 1, { direction: 'out', fromPeerId: 'me' }), LINKED.account)).toBeUndefined()
    expect(authorOf(row, msg('b', 1, { direction: 'in', fromPeerId: 'me' }), LINKED.account)).toBeUndefined()
    expect(authorOf(row, msg('c', 1, { direction: 'in', fromPeerId: 'me' }), LINKED.peerId)).toBe('Me')
    expect(authorOf(row, msg('d', 1, { direction: 'in', fromPeerId: 'bob' }), LINKED.account)).toBe('Bob')
  })
})

describe('MentionPicker', () => {
  it('offers the members fitting what follows @, moves round the list, picks, and stays closed after Escape until the text moves on', () => {
    const picker = new MentionPicker(() => [{ peer: 'a', name: 'Ann' }, { peer: 'b', name: 'Andy' }, { peer: 'c', name: 'Bob' }])
    picker.update('hi @', 4)
    expect(picker.options.map(p => p.name)).toEqual(['Andy', 'Ann', 'Bob'])
    picker.update('hi @an', 6)
    expect(picker.options.map(p => p.name)).toEqual(['Andy', 'Ann'])
    picker.move(1)
    expect(picker.active).toBe(1)
    picker.move(1)
    expect(picker.active).toBe(0)
    picker.move(-1)
    expect(picker.pick(picker.active, 'hi @an', 6)).toEqual({ text: 'hi @Ann ', caret: 8 })
    expect(picker.open).toBe(false)

    picker.update('@b', 2)
    expect(picker.open).toBe(true)
    picker.dismiss('@b', 2)
    picker.update('@b', 2)
    expect(picker.open).toBe(false)
    picker.update('@bo', 3)
    expect(picker.options.map(p => p.name)).toEqual(['Bob'])
    picker.update('nothing', 7)
    expect(picker.pick(0, 'nothing', 7)).toBeUndefined()
  })
})

describe('group routes', () => {
  it("reads a group's chat, a message in it, its info and New group; refuses a malformed id", () => {
    const id = 'a0'.repeat(16)
    expect(parseHash(groupHref(id))).toEqual({ name: 'group', groupId: id })
    expect(parseHash(groupHref(id, '01ARZ3NDEKTSV4RRFFQ69G5FAV' as MessageId))).toEqual({ name: 'group', groupId: id, messageId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })
    expect(parseHash(groupInfoHref(id))).toEqual({ name: 'group-info', groupId: id })
    expect(parseHash('#/new-group')).toEqual({ name: 'new-group' })
    for (const bad of [`#/group/${'A0'.repeat(16)}`, '#/group/a0', `#/group/${id}/members`]) expect(parseHash(bad).name).toBe('not-found')
  })
})
