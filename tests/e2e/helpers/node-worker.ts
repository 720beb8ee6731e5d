/**
 * A person's node worker (the SharedWorker), through the Chrome DevTools
 * Protocol: Chromium only. Closing it is, to the tab, a crash: the tab
 * notices within seconds (rpc/watched-port.ts) and starts a new one.
 */
import { expect } from '@playwright/test'
import type { Person } from '../fixtures.ts'

interface TargetInfo { targetId: string, type: string, browserContextId?: string }

export interface NodeWorkers {
  /** the target ids of the person's SharedWorkers now */
  ids: string[]
  /** closes one; resolves whether the browser did */
  kill: (id: string) => Promise<boolean>
  detach: () => Promise<void>
}

/** The SharedWorker targets of `person`'s browser context. */
export async function nodeWorkers (person: Person): Promise<NodeWorkers> {
  const browser = person.context.browser()
  if (browser == null) throw new Error('no browser')
  const pageSession = await person.context.newCDPSession(person.page)
  const { targetInfo } = await pageSession.send('Target.getTargetInfo') as { targetInfo: TargetInfo }
  await pageSession.detach()
  const session = await browser.newBrowserCDPSession()
  const { targetInfos } = await session.send('Target.getTargets') as { targetInfos: TargetInfo[] }
  return {
    ids: targetInfos.filter(t => t.type === 'shared_worker' && t.browserContextId === targetInfo.browserContextId).map(t => t.targetId),
    kill: async (id) => ((await session.send('Target.closeTarget', { targetId: id })) as { success: boolean }).success,
    detach: async () => { await session.detach() }
  }
}

/** Closes `person`'s one node worker; resolves its target id. */
export async function killNodeWorker (person: Person): Promise<string> {
  const workers = await nodeWorkers(person)
  try {
    expect(workers.ids).toHaveLength(1)
    const [id = ''] = workers.ids
    expect(await workers.kill(id)).toBe(true)
    return id
  } finally {
    await workers.detach()
  }
}

/** Waits until the tab of `person` has started a new node worker in place of `killed`. */
export async function expectNewNodeWorker (person: Person, killed: string): Promise<void> {
  await expect.poll(async () => {
    const now = await nodeWorkers(person)
    await now.detach()
    return now.ids.length === 1 && !now.ids.includes(killed)
  }, { timeout: 30_000 }).toBe(true)
}
