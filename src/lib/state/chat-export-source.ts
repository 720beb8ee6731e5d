/**
 * What an export of a chat reads (state/chat-export.svelte.ts,
 * lib/export/chat-export.ts): the chat's messages from this tab's database a
 * page at a time, in the chat's own order (state/chat-scope.ts), the names of
 * the people in it, and each file this device holds, from the node
 * (`getFile`). Also the words of its times and the ZIP's file name.
 */
import '../i18n/export.ts'
import type { ExportSource } from '../export/chat-export.ts'
import type { ParleyDb } from '../db/db.ts'
import { t } from '../i18n/index.ts'
import { nameInGroup } from '../model/group-rules.ts'
import { displayName } from '../model/names.ts'
import { chatScope } from './chat-scope.ts'
import type { ChatRef } from './chat-scope.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** Messages read from the database at once. */
const PAGE_ROWS = 500

/** A file name for the ZIP: the chat's name, without what file systems refuse, and the day. */
export function exportFileName (title: string, at: number): string {
  const safe = title.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim().slice(0, 64)
  return `Parley - ${safe === '' ? 'chat' : safe} - ${new Date(at).toISOString().slice(0, 10)}.zip`
}

/** A day in the person's language. */
export function dateWords (at: number): string {
  return new Date(at).toLocaleDateString()
}

/** A message's time in the person's language. */
export function timeWords (at: number): string {
  return new Date(at).toLocaleString()
}

export async function exportSource (db: ParleyDb, node: Pick<NodeManager, 'call'>, ref: ChatRef, title: string): Promise<ExportSource> {
  const scope = chatScope(ref)
  const [profile, account, contacts, group] = await Promise.all([
    db.profile.get(1), db.account.get(1), db.contacts.toArray(),
    ref.kind === 'group' ? db.groups.get(ref.groupId) : Promise.resolve(undefined)
  ])
  const own = new Set([profile?.peerId, account?.account].filter((p): p is string => p !== undefined))
  const names = new Map(contacts.map(c => [c.peerId, displayName(c)]))
  const nameOf = (peer: string): string => own.has(peer) ? t('export.you') : nameInGroup(group, peer, names.get(peer))
  return {
    title,
    async * pages () {
      let from: readonly unknown[] | undefined
      for (;;) {
        const rows = await db.messages.where(scope.index).between(from ?? scope.low, scope.high, from === undefined, true).limit(PAGE_ROWS).toArray()
        const mine = rows.filter(r => scope.holds(r))
        if (mine.length > 0) yield mine
        const end = rows.at(-1)
        if (rows.length < PAGE_ROWS || end === undefined) return
        from = scope.keyOf(end)
      }
    },
    message: async (id) => {
      const row = await db.messages.get(id)
      return row !== undefined && scope.holds(row) ? row : undefined
    },
    author: (row) => row.direction === 'out' ? t('export.you') : nameOf(row.fromPeerId),
    nameOf,
    file: async (row) => {
      const transfer = await db.transfers.get(row.id)
      // ours: the file we sent; theirs: only once it arrived whole
      if (transfer === undefined || (transfer.direction === 'in' && transfer.state !== 'complete')) return undefined
      return (await node.call('getFile', { id: row.id }).catch(() => undefined))?.file
    }
  }
}
