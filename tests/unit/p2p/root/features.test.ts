import { readdirSync } from 'node:fs'
import { ESLint } from 'eslint'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nodeContract } from '../../../../src/lib/contract/index.ts'
import { FEATURES } from '../../../../src/lib/p2p/root/features.ts'
import { NodeRoot } from '../../../../src/lib/p2p/root/root.ts'
import { addContact, openTestDb } from '../../db/helpers.ts'
import { internals } from '../../../support/internals.ts'
import { FakeLocks } from '../../../support/rpc-fixtures.ts'
import { TEST_BUILD } from '../../../support/writer-locks.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'

/**
 * The root's one list of features (root/features.ts): each feature's
 * descriptor brings its services, its contract methods and its protocols,
 * and the root takes them from there.
 */
let db: ParleyDb | undefined
afterEach(() => { db?.close(); db = undefined })

async function newRoot (): Promise<NodeRoot> {
  db = await openTestDb()
  return new NodeRoot({ db, origin: 'https://parley.example', loadConfig: async () => ({ relays: [] }), writer: { locks: new FakeLocks(), build: TEST_BUILD } })
}

describe('the features', () => {
  it('are the folders of src/lib/p2p but the kernel and the root, each once, and the order of imports names the same ones', async () => {
    const folders = readdirSync('src/lib/p2p').filter(f => f !== 'kernel' && f !== 'root').sort()
    expect(FEATURES.map(f => f.name).sort()).toEqual(folders)
    const config = await new ESLint({ cwd: process.cwd() }).calculateConfigForFile('src/lib/p2p/contacts/probe.ts') as { rules: Record<string, [unknown, { order: string[] }]> }
    expect([...config.rules['parley/feature-order']?.[1].order ?? []].sort()).toEqual(folders)
  })

  it('implement every contract method between them, each once', async () => {
    const root = await newRoot()
    expect(Object.keys(root.handlers).sort()).toEqual(Object.keys(nodeContract.methods).sort())
  })

  it('hear the news they act on: a contact deleted takes its sessions along', async () => {
    const root = await newRoot()
    const contactId = await addContact(db as ParleyDb, 'alice')
    const deletePeer = vi.spyOn(internals(root).sessions, 'deletePeer').mockResolvedValue()
    await root.call('deleteContact', { contactId, withHistory: false })
    expect(deletePeer).toHaveBeenCalledWith('12D3KooWalice')
  })
})
