/**
 * Removing and erasing devices in the tab (issue 58, increment 8), from
 * props alone, in English and Russian: on the holder, "Remove" beside each
 * other device (never beside this one) and the confirmation in words naming
 * it; on a linked device, no "Remove", and "Unlink this device" with its
 * confirmation; the removed device's screen (ui/DeviceRemoved.svelte) with
 * the account's name, that its history stays until erased, and "Erase this
 * device" with its confirmation; the manager's calls; the status code's words.
 */
import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { errorText } from '../../../src/lib/i18n/error-text.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { LinkedDevices as LinkedDevicesManager } from '../../../src/lib/state/linked-devices.svelte.ts'
import DeviceRemoved from '../../../src/lib/ui/DeviceRemoved.svelte'
import LinkedDevices, { type DevicesAsking, type LinkedDevicesOf } from '../../../src/lib/ui/LinkedDevices.svelte'
import { fakeCall } from '../../support/fake-node.ts'
import { openTestDb } from '../db/helpers.ts'
import type { DevicesView } from '../../../src/lib/contract/index.ts'
import type { NodeManager } from '../../../src/lib/state/node-manager.svelte.ts'

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const buttons = (html: string): string[] => [...html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map(m => (m[1] ?? '').trim())
const ME = '12D3KooWMdm3q2cvJGLJPmnWTLceMM11dXbMsPDSxyy84dsNiXhD'
const PHONE = '12D3KooWA5h3D8uU2iPmHHTKVGBt8PzpLW7TroRTZMigNtbMTMLp'

const HOLDER: DevicesView = {
  account: ME,
  device: ME,
  holder: true,
  deviceName: 'Laptop',
  version: 7,
  removed: false,
  devices: [
    { peer: ME, name: 'Laptop', added: Date.UTC(2026, 10, 29, 12), thisDevice: true },
    { peer: PHONE, name: 'Phone', added: Date.UTC(2026, 10, 29, 13), thisDevice: false }
  ]
}
const LINKED: DevicesView = {
  ...HOLDER,
  device: PHONE,
  holder: false,
  deviceName: 'Phone',
  devices: HOLDER.devices.map(d => ({ ...d, thisDevice: d.peer === PHONE }))
}

function section (view: DevicesView, asking?: DevicesAsking): string {
  const devices: LinkedDevicesOf = { view, loaded: true, rename: async () => {}, remove: async () => {}, erase: async () => {} }
  return render(LinkedDevices, { props: { devices, asking } }).body
}

describe('removing a device in Settings → Linked devices', () => {
  it('on the holder: "Remove" beside the other device only, then the confirmation naming it', () => {
    const body = section(HOLDER)
    expect(buttons(body)).toEqual(['Remove', 'Save name'])
    expect(text(body)).toMatch(/Phone Added .* Remove/)
    expect(text(body)).not.toContain('Unlink this device')

    const asking = section(HOLDER, { remove: PHONE })
    expect(text(asking)).toContain('Remove Phone from your account? It will no longer get your messages, and your contacts will stop taking messages from it. What it already holds stays on it until it is erased there.')
    expect(buttons(asking)).toEqual(['Remove device', 'Cancel', 'Save name'])
  })

  it('an unnamed device is named so in the confirmation', () => {
    const unnamed = { ...HOLDER, devices: HOLDER.devices.map(d => d.peer === PHONE ? { ...d, name: '' } : d) }
    expect(text(section(unnamed, { remove: PHONE }))).toContain('Remove Unnamed device from your account?')
  })

  it('on a linked device: no "Remove", and "Unlink this device" with its confirmation', () => {
    const body = section(LINKED)
    expect(buttons(body)).toEqual(['Save name', 'Unlink this device'])
    const asking = section(LINKED, 'unlink')
    expect(text(asking)).toContain('Unlink this device? Parley’s data on it is erased: your chats, contacts and history here.')
    expect(text(asking)).toContain('remove it from the list on the device that holds your account key')
    expect(buttons(asking)).toEqual(['Save name', 'Erase and unlink', 'Cancel'])
  })

  it('in Russian too', () => {
    setLocale('ru')
    expect(buttons(section(HOLDER))).toEqual(['Удалить', 'Сохранить имя'])
    expect(text(section(HOLDER, { remove: PHONE }))).toContain('Удалить Phone из вашего аккаунта?')
    expect(buttons(section(HOLDER, { remove: PHONE }))).toEqual(['Удалить устройство', 'Отмена', 'Сохранить имя'])
    expect(buttons(section(LINKED))).toEqual(['Сохранить имя', 'Отвязать это устройство'])
    expect(text(section(LINKED, 'unlink'))).toContain('Отвязать это устройство? Данные Parley на нём будут стёрты')
    expect(buttons(section(LINKED, 'unlink'))).toEqual(['Сохранить имя', 'Стереть и отвязать', 'Отмена'])
  })

  it('the manager removes and erases through the node', async () => {
    const node = fakeCall({ removeDevice: () => HOLDER, eraseDevice: () => null })
    const manager = new LinkedDevicesManager({ call: node.call as NodeManager['call'] }, await openTestDb())
    await manager.remove(PHONE)
    await manager.erase()
    expect(node.calls).toEqual([{ method: 'removeDevice', params: { peer: PHONE } }, { method: 'eraseDevice', params: undefined }])
  })
})

describe('the removed device\'s screen', () => {
  const screen = (confirming = false): string => render(DeviceRemoved, { props: { name: 'Alice', erase: async () => {}, confirming } }).body

  it('says whose Parley it was removed from, that its history stays until erased, and offers to erase it', () => {
    expect(text(screen())).toBe('This device was removed from Alice\'s Parley. It no longer gets messages, and sends none. The chats and history it holds stay here until you erase them. Erase this device')
    expect(text(screen(true))).toContain('Erase everything Parley keeps on this device: chats, contacts, history and keys? This cannot be undone.')
    expect(buttons(screen(true))).toEqual(['Erase', 'Cancel'])
  })

  it('in Russian too', () => {
    setLocale('ru')
    expect(text(screen())).toContain('Это устройство удалено из Parley пользователя Alice.')
    expect(buttons(screen())).toEqual(['Стереть это устройство'])
    expect(buttons(screen(true))).toEqual(['Стереть', 'Отмена'])
  })

  it('the status code is worded in both languages', () => {
    expect(errorText('deviceRemoved', { name: 'Alice' })).toBe('This device was removed from Alice\'s Parley.')
    setLocale('ru')
    expect(errorText('deviceRemoved', { name: 'Alice' })).toBe('Это устройство удалено из Parley пользователя Alice.')
  })
})
