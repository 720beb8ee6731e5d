/**
 * Settings' "Linked devices" (issue 58, increment 1): the account this
 * device belongs to and the devices of its signed list (db/account.ts), read
 * live, so every tab follows a change; naming this device goes through the
 * node (`renameDevice`), which signs the list again on the device holding
 * the account key. Linking another device comes in a later increment.
 */
import { readDevicesView } from '../db/account.ts'
import type { ParleyDb } from '../db/db.ts'
import type { DevicesView } from '../contract/index.ts'
import { getDb, live, type Live } from './live.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'

export class LinkedDevices {
  readonly #node: Pick<NodeManager, 'call'>
  readonly #view: Live<DevicesView | undefined>

  /** Call during a component's initialisation: the view follows the database while it lives. */
  constructor (node: Pick<NodeManager, 'call'>, db: ParleyDb = getDb()) {
    this.#node = node
    this.#view = live(async () => readDevicesView(db), undefined)
  }

  /** The account and its devices; undefined before it was read, or before onboarding. */
  get view (): DevicesView | undefined {
    return this.#view.current
  }

  /** False until the database has been read once. */
  get loaded (): boolean {
    return this.#view.loaded
  }

  /** Names this device (the node trims and checks it); the view changes once the node stored it. */
  async rename (name: string): Promise<void> {
    await this.#node.call('renameDevice', { name })
  }

  /** On the holder: signs the list without `peer` (the node checks it is listed and not this device); the view follows. */
  async remove (peer: string): Promise<void> {
    await this.#node.call('removeDevice', { peer })
  }

  /** On a linked device: erases this device's copy; the node then waits for onboarding, and the app shows the welcome screen. */
  async erase (): Promise<void> {
    await this.#node.call('eraseDevice', undefined)
  }
}
