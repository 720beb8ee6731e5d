import { notifySetting, setNotifyNames } from '../../db/notify-setting.ts'
import type { NodeHandlers, PushStatus } from '../../contract/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { PushRegistrar } from './registrar.ts'

export type PushMethod = 'setPushSubscription' | 'getPushStatus' | 'getPushKeys' | 'setPushNames'

export interface PushHandlerComponents {
  push: Pick<PushRegistrar, 'set' | 'status' | 'keys'>
  identity: Pick<IdentityPort, 'require'>
  db: ParleyDb
}

/** Web Push's contract methods. */
export function pushHandlers (components: PushHandlerComponents): NodeHandlers<PushMethod> {
  const { db } = components
  /** the registrar's status, with the names setting (made with this device's notification key the first time) */
  const withNames = async (status: Omit<PushStatus, 'names'>): Promise<PushStatus> => ({ ...status, names: (await notifySetting(db)).names })
  return {
    setPushSubscription: async (subscription) => {
      components.identity.require()
      return withNames(await components.push.set(subscription))
    },
    getPushStatus: async () => withNames(await components.push.status()),
    getPushKeys: async (_params, { signal }) => components.push.keys(signal),
    setPushNames: async ({ on }) => {
      await setNotifyNames(db, on)
      return withNames(await components.push.status())
    }
  }
}
