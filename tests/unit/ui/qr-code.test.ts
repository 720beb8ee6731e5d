import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { render } from 'svelte/server'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeInvite, parseInvite } from '../../../src/lib/p2p/identity/invite.ts'
import QrCode from '../../../src/lib/ui/QrCode.svelte'
import { decodeQr } from '../../../src/lib/ui/qr-scan.ts'
import { matrixPixels, nodeZxingDecoder, svgModules } from './qr-helpers.ts'
import type { QrDecoder } from '../../../src/lib/ui/qr-scan.ts'

/** Pixels per module when painting the component's SVG: about what a 20rem QR on a phone screen gives. */
const SCALE_PX = 4

let zxing: QrDecoder
let invite: string
let inviterId: string

beforeAll(async () => {
  zxing = nodeZxingDecoder()
  inviterId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  // what a deployed node's invite holds: its circuit addresses through a relay over wss and webrtc-direct
  invite = encodeInvite({
    peerId: inviterId,
    name: 'Alice Liddell',
    addresses: [
      `/dns4/relay.parley.example/tcp/443/tls/ws/p2p/${relayId}/p2p-circuit/p2p/${inviterId}`,
      `/ip4/203.0.113.7/udp/9091/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g/p2p/${relayId}/p2p-circuit/p2p/${inviterId}`
    ]
  }, 'https://parley.example.org')
})

function svgOf (text: string): string {
  return render(QrCode, { props: { text, label: 'Invite QR code' } }).body
}

describe('QrCode', () => {
  it('draws an invite link that zxing-wasm reads back to the same text, and parses as the same invite', async () => {
    expect(invite.length).toBeGreaterThan(500)
    const svg = svgOf(invite)

    const decoded = await decodeQr(matrixPixels(svgModules(svg), SCALE_PX), { decoder: zxing })

    expect(decoded).toBe(invite)
    expect(parseInvite(decoded).peerId).toBe(inviterId)
  })

  it('is an image named by the caller, dark on white with a four-module quiet zone', () => {
    const svg = svgOf(invite)
    expect(svg).toMatch(/<svg[^>]* role="img"/)
    expect(svg).toMatch(/<svg[^>]* aria-label="Invite QR code"/)
    expect(svg).toMatch(/<rect [^>]*fill="#ffffff"/)
    expect(svg).toMatch(/<path [^>]*fill="#000000"/)

    const modules = svgModules(svg)
    const border = [...modules.slice(0, 4), ...modules.slice(-4)].flat()
      .concat(modules.flatMap(row => [...row.slice(0, 4), ...row.slice(-4)]))
    expect(border.every(dark => !dark)).toBe(true)
    // the finder pattern's top-left corner sits right inside the quiet zone
    expect(modules[4]?.[4]).toBe(true)
  })

  it('says the text is too long instead of drawing a code that cannot hold it', () => {
    const html = svgOf(`https://parley.example.org/#/add/${'A'.repeat(3000)}`)
    expect(html).not.toContain('<svg')
    expect(html).toContain('too long for a QR code')
  })
})
