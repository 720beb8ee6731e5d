import type { NodeHandlers } from '../../contract/index.ts'
import type { Links } from './links.ts'

export interface LinkHandlerComponents {
  links: Pick<Links, 'view' | 'linkAsNewDevice' | 'linkDevice' | 'linkByCode' | 'confirm' | 'cancel' | 'linkInstead'>
}

export type LinkMethods = 'getLink' | 'linkAsNewDevice' | 'linkDevice' | 'linkByCode' | 'confirmLink' | 'cancelLink' | 'linkInstead'

/** Linking a device, either side (links.ts); progress goes to the tabs as `link` events. */
export function linkHandlers (components: LinkHandlerComponents): NodeHandlers<LinkMethods> {
  return {
    getLink: () => components.links.view,
    linkAsNewDevice: async () => components.links.linkAsNewDevice(),
    linkDevice: async ({ qr }) => components.links.linkDevice(qr),
    linkByCode: async ({ code }) => components.links.linkByCode(code),
    confirmLink: async ({ same }) => components.links.confirm(same),
    cancelLink: async () => components.links.cancel(),
    linkInstead: async () => {
      await components.links.linkInstead()
      return null
    }
  }
}
