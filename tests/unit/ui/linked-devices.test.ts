/**
 * Settings' "Linked devices" section (ui/LinkedDevices.svelte; issue 58,
 * increment 1) from props alone, in English and Russian: the devices of the
 * list with this one marked, an unnamed one said so, the holder's sentence,
 * the form that names this device with its current name; and what it reads
 * (db/account.ts readDevicesView). The manager: state/linked-devices.svelte.test.ts.
 */
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { accountOfProfile, readDevicesView } from '../../../src/lib/db/account.ts'
import { saveNewIdentity } from '../../../src/lib/db/profile.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { LinkedDevices as LinkedDevicesManager } from '../../../src/lib/state/linked-devices.svelte.ts'
import LinkedDevices, { type LinkedDevicesOf } from '../../../src/lib/ui/LinkedDevices.svelte'
import { fakeCall } from '../../support/fake-node.ts'
import { openTestDb } from '../db/helpers.ts'
import type { DevicesView } from '../../../src/lib/contract/index.ts'
import type { NodeManager } from '../../../src/lib/state/node-manager.svelte.ts'

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const ME = '12D3KooWMdm3q2cvJGLJPmnWTLceMM11dXbMsPDSxyy84dsNiXhD'
const PHONE = '12D3KooWA5h3D8uU2iPmHHTKVGBt8PzpLW7TroRTZMigNtbMTMLp'

const VIEW: DevicesView = {
  account: ME,
  device: ME,
  holder: true,
  deviceName: 'Laptop',
  version: 7,
  removed: false,
  devices: [
    { peer: ME, name: 'Laptop', added: Date.UTC(2026, 10, 29, 12), thisDevice: true },
    { peer: PHONE, name: '', added: Date.UTC(2026, 10, 29, 13), thisDevice: false }
  ]
}

function html (over: Partial<LinkedDevicesOf> = {}): string {
  const devices: LinkedDevicesOf = { view: VIEW, loaded: true, rename: async () => {}, remove: async () => {}, erase: async () => {}, ...over }
  return render(LinkedDevices, { props: { devices } }).body
}

describe('the Linked devices section', () => {
  it('lists the devices, this one marked and an unnamed one said so, with the form naming this device', () => {
    const body = html()
    expect(text(body)).toContain('Linked devices')
    expect(text(body)).toContain('This device holds its key and signs the list of your devices')
    expect(text(body)).toMatch(/Laptop This device Added .*2026/)
    expect(text(body)).toContain('Unnamed device')
    expect(body.match(/This device</g)).toHaveLength(1)
    expect(body).toMatch(/<input[^>]*id="device-name"[^>]*value="Laptop"/)
    expect(body).toMatch(/maxlength="64"/)
    expect(text(body)).toContain('At most 64 characters.')
    expect(body).not.toMatch(/Link a device/i)
  })

  it('in Russian too', () => {
    setLocale('ru')
    const body = text(html())
    expect(body).toContain('Связанные устройства')
    expect(body).toContain('Это устройство')
    expect(body).toContain('Устройство без имени')
    expect(body).toContain('Сохранить имя')
  })

  it('says it is loading until read, and shows nothing else before onboarding', () => {
    expect(text(html({ view: undefined, loaded: false }))).toContain('Loading')
    expect(text(html({ view: undefined, loaded: true }))).toBe('Linked devices')
  })
})

describe('what the section reads', () => {
  it('the account row and the profile; this device alone before the first list', async () => {
    const db = await openTestDb()
    expect(await readDevicesView(db)).toBeUndefined()
    const profile = { id: 1 as const, peerId: ME, privateKey: new Uint8Array(68), username: 'Me', createdAt: 5 }
    await saveNewIdentity(db, profile)
    expect(await readDevicesView(db)).toEqual({
      account: ME, device: ME, holder: true, deviceName: '', version: 0, removed: false, devices: [{ peer: ME, name: '', added: 5, thisDevice: true }]
    })
    await db.account.put({ ...accountOfProfile(profile, { deviceName: 'Laptop', version: 9 }), list: { body: JSON.stringify({ devices: VIEW.devices.map(({ thisDevice: _t, ...d }) => d) }), sig: '' } })
    expect((await readDevicesView(db))?.devices.map(d => [d.name, d.thisDevice])).toEqual([['Laptop', true], ['', false]])
    db.close()
  })

  it('the manager names this device through the node', async () => {
    const node = fakeCall({ renameDevice: () => VIEW })
    const manager = new LinkedDevicesManager({ call: node.call as NodeManager['call'] }, await openTestDb())
    await manager.rename('Laptop')
    expect(node.calls).toEqual([{ method: 'renameDevice', params: { name: 'Laptop' } }])
  })
})
