import type { NodeHandlers } from '../../contract/index.ts'
import type { Kernel } from '../kernel/components.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { Identity } from './identity.ts'

export interface IdentityHandlerComponents {
  identity: Identity
  kernel: Kernel
  status: Pick<StatusBoard, 'current'>
}

export type IdentityMethods = 'getStatus' | 'createProfile' | 'importIdentity' | 'exportIdentity' | 'getInvite'

/** The identity's contract methods: onboarding (a new or restored identity starts the node), backups, our invite. */
export function identityHandlers (components: IdentityHandlerComponents): NodeHandlers<IdentityMethods> {
  return {
    getStatus: () => components.status.current,
    createProfile: async ({ username }) => {
      await components.identity.create(username)
      await components.kernel.startNetwork()
      return components.status.current
    },
    importIdentity: async ({ file, passphrase }) => {
      await components.identity.restore(file, passphrase)
      await components.kernel.startNetwork()
      return components.status.current
    },
    exportIdentity: async ({ passphrase, includeHistory }) => ({ file: await components.identity.export(passphrase, includeHistory) }),
    getInvite: () => components.identity.invite()
  }
}
