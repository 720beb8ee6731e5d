/**
 * Files served outside the transfers table (src/lib/p2p/transfers/hosted.ts,
 * TransfersPort.host): a link's state file, opened only by its one peer,
 * only over 1.1.0 under its key's tag, within what a relay still allows;
 * chunks and hashes as given, DONE told once; withdrawn, it is unknown.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { fileTag } from '@parley/protocol/file/keyed'
import { beforeEach, describe, expect, it } from 'vitest'
import { HostedFiles, MAX_HOSTED } from '../../../../src/lib/p2p/transfers/hosted.ts'
import { RelayBudget } from '../../../../src/lib/p2p/transfers/relay-budget.ts'
import type { HostedFile } from '../../../../src/lib/p2p/kernel/ports/transfers.ts'
import type { Connection, PeerId } from '@libp2p/interface'

const KEY = new Uint8Array(32).fill(3)
const ID = '01JD00000000000000000000S1'
const direct = { limits: undefined, remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/1/ws') } as unknown as Connection
const relayed = (bytes: bigint): Connection => ({ limits: { bytes }, remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/1/ws/p2p-circuit') }) as unknown as Connection

let peer: PeerId
let stranger: PeerId
let done: number
let hosted: HostedFiles

function file (extra: Partial<HostedFile> = {}): HostedFile {
  return {
    id: ID,
    peer: peer.toString(),
    key: KEY,
    size: 20,
    chunkSize: 16,
    hashes: new Uint8Array(64).fill(9),
    chunk: async (index) => new Uint8Array(index === 0 ? 16 : 4).fill(index + 1),
    onDone: () => { done++ },
    ...extra
  }
}

beforeEach(async () => {
  peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  done = 0
  hosted = new HostedFiles(new RelayBudget())
})

describe('HostedFiles', () => {
  it('serves its peer under the key\'s tag: the chunks, the hashes, DONE told', async () => {
    hosted.add(file())
    const source = hosted.open(peer, ID, { version: '1.1.0', proof: fileTag(KEY) }, direct)
    expect(source).toMatchObject({ size: 20, chunkSize: 16, chunkCount: 2, key: KEY })
    expect(await source?.chunk(1, {})).toEqual(new Uint8Array(4).fill(2))
    expect(await source?.hashes(1, 1, {})).toEqual(new Uint8Array(32).fill(9))
    await source?.done()
    expect(done).toBe(1)
  })

  it('refuses another peer, 1.0.0, another tag; a file too big for the relay is needs-direct; withdrawn or never hosted, it is not this module\'s', () => {
    const withdraw = hosted.add(file())
    expect(() => hosted.open(stranger, ID, { version: '1.1.0', proof: fileTag(KEY) }, direct)).toThrow(expect.objectContaining({ code: 'unknown-transfer' }))
    expect(() => hosted.open(peer, ID, { version: '1.0.0', proof: new Uint8Array(32) }, direct)).toThrow(expect.objectContaining({ code: 'unknown-transfer' }))
    expect(() => hosted.open(peer, ID, { version: '1.1.0', proof: fileTag(new Uint8Array(32).fill(4)) }, direct)).toThrow(expect.objectContaining({ code: 'unknown-transfer' }))
    expect(() => hosted.open(peer, ID, { version: '1.1.0', proof: fileTag(KEY) }, relayed(10n))).toThrow(expect.objectContaining({ code: 'needs-direct' }))
    expect(hosted.open(peer, '01JD00000000000000000000S2', { version: '1.1.0', proof: fileTag(KEY) }, direct)).toBeUndefined()
    withdraw()
    expect(hosted.open(peer, ID, { version: '1.1.0', proof: fileTag(KEY) }, direct)).toBeUndefined()
  })

  it(`holds at most ${MAX_HOSTED} files at once`, () => {
    for (let i = 0; i < MAX_HOSTED; i++) hosted.add(file({ id: `01JD00000000000000000000H${i}` }))
    expect(() => hosted.add(file())).toThrow(expect.objectContaining({ code: 'busy' }))
  })
})
