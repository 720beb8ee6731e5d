/**
 * `npm run bench`: builds the app, then runs these measurements inside a
 * loopback-only network namespace (scripts/bench.ts) against a real
 * relay-node, the built app and Debian's Chromium (Firefox ESR for the
 * `_firefox` figures, tests/support/browsers.ts). Prints one line per figure:
 * `bench <name> <value> <unit>`, each the median of repeated runs.
 *
 * Figures:
 *   online_ms                     page navigation → relay reservation held (status "online"), returning user
 *   first_paint_ms                page navigation → the frame with a returning user's chats list, cold cache
 *   msg_latency_relayed_p50_ms    send in A → shown in B's DOM, over a relayed circuit (median of per-run p50)
 *   msg_latency_relayed_p99_ms    the same, p99
 *   msg_latency_direct_p50_ms     the same over the direct WebRTC connection (through the worker bridge)
 *   msg_latency_direct_p99_ms     the same, p99
 *   reaction_latency_direct_p50_ms  a reaction chosen in A's picker → its chip under the message in B's DOM, direct (median of per-run p50)
 *   raw_dc_throughput_mbps        64 MiB over a bare RTCDataChannel between two quiet pages (no libp2p, no app): the
 *                                 best of a sweep of message sizes, high-water marks and main thread / worker
 *                                 (tests/bench/raw-channel.ts), printed with the settings that won. The baseline:
 *                                 if bridge_throughput_mbps or file_throughput_mbps beats it, the run fails
 *   raw_dc_cpu_s                  CPU seconds the browser's processes (all of them, every core) used for the winner's
 *                                 64 MiB (tests/bench/cpu.ts; Linux). With as few cores as here, throughput is CPU
 *                                 per byte: the _cpu_s figures say what each stack costs on top of the bare channel
 *   bridge_throughput_mbps        64 MiB over a libp2p stream on the direct connection, through the worker bridge
 *   bridge_vs_raw_ratio           the two above divided (at most 1)
 *   bridge_cpu_s                  the browser's CPU seconds for those 64 MiB
 *   bridge_cpu_ratio              bridge_cpu_s ÷ raw_dc_cpu_s (issue 60: ≤ 1.15)
 *   file_throughput_mbps          a 64 MiB file A → B on the direct path through the whole app (bridge, file protocol, storage, checks)
 *   file_vs_raw_ratio             the above divided by raw_dc_throughput_mbps (target >= 0.9)
 *   file_cpu_s                    the browser's CPU seconds for one such file, from attach to complete (the sender's
 *                                 hashing and the bench's heap sampling included)
 *   file_cpu_ratio                file_cpu_s ÷ raw_dc_cpu_s (issue 60: ≤ 1.6)
 *   file_peak_heap_mb             highest JS heap (node worker + tab) of one person during a 256 MiB transfer
 *   file_peak_heap_64mib_mb       the same during the 64 MiB transfers (the heap must not grow with file size)
 *   online_ms_firefox             online_ms in Firefox ESR
 *   msg_latency_direct_p50_ms_firefox  msg_latency_direct_p50_ms, Firefox ↔ Firefox (the tab drives the data channels:
 *                                 Firefox cannot transfer them to the channel pump worker)
 *   msg_latency_direct_p99_ms_firefox  the same, p99
 *   file_throughput_mbps_firefox  file_throughput_mbps, Firefox → Firefox (that main-thread path)
 *   file_relayed_throughput_mbps  a 16 MiB file A → B over a relayed connection (Chromium contexts that cannot do WebRTC, a
 *                                 relay of its own allowing 24 MiB per relayed connection), transfer start → verified
 *   idle_heap_mb                  tab + SharedWorker JS heap after 30 s idle (median over contexts)
 *   bundle_shell_gzip_kib         gzip size of the app shell (html + entry js + css)
 *   bundle_worker_gzip_kib        gzip size of the node worker
 *   bundle_pump_gzip_kib          gzip size of the tab's channel pump worker
 *   bundle_lazy_gzip_kib          gzip size of the chunks loaded on demand (QR code, QR decoder + its wasm)
 *   release_update_verify_ms      an installed app finds a new signed release (updatefound) → verified, its new files
 *                                 cached and checked, the page's check of the new worker done, Reload offered (tests/bench/release.ts)
 *   mailbox_deposit_p50_ms        seal + DEPOSIT of a ~100-character chat message to a relay-node, until its (on-disk) acknowledgement
 *   mailbox_deposit_p99_ms        the same, p99
 *   mailbox_drain_1000_ms         Bob opens the app with 1,000 sealed messages waiting in his mailbox → all 1,000 stored in his IndexedDB
 *   relay_reservations_held       circuit relay v2 reservations one relay-node (default --max-reservations) holds at once,
 *                                 Node clients over WebSockets reserving until it refuses or 420 s pass (tests/bench/relay.ts)
 *   relay_rss_mb_per_1000_reservations  (relay RSS with them held − relay RSS idle) per 1000 reservations
 *   relay_circuits_active         relayed connections between those clients open at once, each carrying an echo
 *   relay_circuits_dialed         of 2,000 circuits dialed between those clients (32 dials in flight), those that opened
 *   relay_circuits_dial_ms        first circuit dial → last one settled
 *   relay_event_loop_p99_ms       the relay's event-loop delay over the circuits (dials and echoes), p99 of its
 *                                 10 ms samples (perf_hooks, read from its /metrics); relay_event_loop_max_ms the longest
 *   relay_cpu_percent             relay CPU over the reservations and circuits, in % of one core
 *   (the relay figures come from one run: it takes minutes)
 *   relay_connect_ok_under_slowloris  fraction of connects (WebSocket, Noise, yamux, one ping) from 127.0.0.3 done within
 *                                 1 s, one every 250 ms for 25 s, while 300 silent sockets from 127.0.0.2 are held
 *                                 against a relay-node with its default limits and re-opened as they are cut
 *                                 (tests/bench/slowloris.ts; target >= 0.95)
 *   dht_lookup_p50_ms             a simulated federation of 20 relay-nodes on loopback (tests/bench/federation.ts): a Node
 *                                 DHT client joined through one random relay finds the circuit address of a peer reserved
 *                                 on another random relay (`peerRouting.findPeer`, from the network); p50 of 200 lookups
 *   dht_lookup_p99_ms             the same, p99
 *   dht_relays                    peer records at a hundred relays (tests/bench/dht-records.ts): relay-nodes running,
 *                                 1,000 browser-like clients publishing their records, moving and going offline
 *   dht_lookup_100_p50_ms         the app's lookup (FIND_NODE and the target's record at once) of a random online
 *                                 client, half of them clients that moved, by a searcher joined through a random relay:
 *                                 start → the answer whose address was dialled and pinged; p50
 *   dht_lookup_100_p99_ms         the same, p99
 *   dht_lookup_success_ratio      lookups that found and dialled their target / lookups asked (target >= 0.99); a dial
 *                                 that failed is tried again as the app's greeter would, once, after its first back-off
 *   dht_lookup_first_dial_ratio   the same, counting only targets reached at the first dial
 *   dht_relay_rss_mb              resident memory per relay in the simulation (a relay process's RSS / its relays), median
 *   invite_link_chars             the longest short invite link My invite shows (origin, #/c/, PeerID, as much of the
 *                                 name as fits), over names from 5 to 64 characters (tests/bench/invite.ts; target <= 120)
 *   invite_link_chars_alice       the same for the name "Alice"
 *   invite_qr_modules             the side of that link's QR code in modules, quiet zone included
 *   history_open_100k_ms          a chat holding 100,000 messages: hash navigation → its newest message rendered (tests/bench/history.ts)
 *   history_search_100k_ms        search across all chats (100,000 + 4,000 messages): query typed → results shown
 *   history_search_short_100k_ms  the same for queries of one or two characters
 *   export_100k_ms                the chat of 100,000 messages with a GiB of files in OPFS: "Export chat" → "Saved" (tests/bench/export.ts)
 *   export_peak_heap_mb           the page's JavaScript heap at its highest meanwhile (DevTools protocol, every 100 ms)
 *   chat_open_newest_ms           a chat of 1,000 messages ending with a received image, on a phone's viewport: a click
 *                                 in the chat list → the first painted frame with the newest message (its image loaded)
 *                                 wholly inside the log's visible area and above the composer (tests/bench/chat-open.ts)
 *   voice_message_10s_kib         a 10-second voice message as the app records it (Opus at its voice bitrate) from Chromium's
 *                                 fake microphone: its file size (tests/bench/voice.ts)
 *   relay_failover_ms             a relay stops → each client that held its reservation there holds one on another relay
 *                                 (the circuit relay transport finds it by itself); median over several relays stopped
 *   group_delivery_32_p50_ms      a group of 32 (the app's nodes in Node, 8 to a process, on loopback through one relay-node;
 *                                 tests/bench/group.ts): a message from one member → stored by all 31 others; p50 of 200
 *   group_delivery_32_p99_ms      the same, p99
 *   group_state_converge_ms       a burst of 20 membership operations by the owner and three admins at once → every
 *                                 remaining member holds the same heads; median of 3 bursts
 *   call_setup_ms                 a video call between two Chromium contexts on loopback (direct; fake camera and
 *                                 microphone): Answer pressed → the first remote video frame decoded; median of 5
 *                                 (tests/bench/call.ts)
 *   call_audio_rtt_ms             the audio round-trip time RTCP reports during those calls (getStats), median
 *   link_device_10k_ms            a phone linked to a laptop holding a chat of 10,000 messages: "Same code" on the laptop →
 *                                 the newest of them shown in the phone's chat (the whole link; tests/bench/devices.ts)
 *   fanout_two_devices_p50_ms     then Enter in Bob's tab → shown in the chat on both of Alice's devices (the later), direct
 *   session_setup_ms              the first message to an offline contact: fetch the contact's prekey bundle from a relay-node,
 *                                 check it, PQXDH, encrypt a chat frame with the new ratchet, seal the box (tests/bench/session.ts)
 *   ratchet_encrypt_p50_us        one message on an established sending chain (KDF_CK, message key, AEAD), p50
 *   padding_overhead_ratio        bytes a relay holds or carries ÷ bytes of payload over a mix of 1,000 items (short and
 *                                 long texts, reactions, receipts, typing, file offers), boxed, padded and sealed as the
 *                                 app does (tests/bench/padding.ts says the mix); padding_unpadded_ratio, the same unpadded
 *   backup_kdf_ms                 the backup's Argon2id (64 MiB, 3 passes, 1 lane) by the app's module (hash-wasm's
 *                                 WebAssembly) in a dedicated worker of a quiet Chromium page; median of 7 (tests/bench/backup-kdf.ts)
 *   backup_kdf_js_ms              the same by its JavaScript fallback (@noble/hashes), median of 3
 *   push_deposit_to_notification_ms  a relay-node stores an item for Bob (Firefox ESR subscribed for real at the tests'
 *                                 push service, Parley closed) → his service worker's notification shown; median of 10
 *                                 (tests/bench/push.ts)
 *   push_sent_per_item_ratio      a burst of 20 items for Bob: pushes the relay sent ÷ items (coalescing); median of 3
 *   relay_rss_mb_per_1000_push_subscriptions  (relay RSS with 1,500 signed registrations held − before) per 1,000
 *
 * `tsx tests/bench/run.ts --only relay` runs just the relay figures, `--only federation` just the
 * federation figures, `--only dht` the dht_ figures of the hundred relays, `--only history` just the history and export figures, `--only chat-open` chat_open_newest_ms,
 * `--only bundle` the bundle sizes, `--only online` online_ms and first_paint_ms,
 * `--only firefox` the `_firefox` figures, `--only relayed-file` file_relayed_throughput_mbps,
 * `--only throughput` the raw baseline, the bridge and the file figures, `--only latency` the message latencies,
 * `--only slowloris` relay_connect_ok_under_slowloris, `--only mailbox` the mailbox_ figures,
 * `--only invite` the invite_ figures, `--only voice` voice_message_10s_kib, `--only group` the group_ figures, `--only call` the call_ figures, `--only devices` link_device_10k_ms and fanout_two_devices_p50_ms, `--only session` the session figures,
 * `--only padding` the padding_ figures, `--only backup` the backup_kdf figures, `--only push` the push figures,
 * `--only release` release_update_verify_ms; a
 * comma-separated list runs several (still inside `unshare -n`). `npm run bench -- --only bundle,history` passes it on.
 */
import '../../src/lib/polyfill/promise-with-resolvers.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { bundleSizes } from '../../scripts/lib/bundle-sizes.ts'
import { spawnRelay } from '../../scripts/lib/relay-process.ts'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { benchFederation } from './federation.ts'
import { benchDhtRecords } from './dht-records.ts'
import { benchFiles, benchFilesFirefox, benchRelayedFile } from './files.ts'
import { benchGroup } from './group.ts'
import { benchChatOpen, benchChatOpenAlone } from './chat-open.ts'
import { benchHistory, benchHistoryAlone } from './history.ts'
import { benchInvite } from './invite.ts'
import { benchLatency } from './latency.ts'
import { benchReaction } from './reaction.ts'
import { benchMailbox, benchMailboxAlone } from './mailbox.ts'
import { launch, median, newContext, print, sharedWorkerHeaps, withRelayAndApp } from './lib.ts'
import { benchOnline } from './online.ts'
import { benchRelay } from './relay.ts'
import { baselineProblems, benchRawThroughput } from './raw-channel.ts'
import { benchBridgeThroughput } from './throughput.ts'
import { benchSlowloris } from './slowloris.ts'
import { benchVoice } from './voice.ts'
import { benchCall } from './call.ts'
import { benchDevices } from './devices.ts'
import { benchRatchet, benchSessionSetup } from './session.ts'
import { benchPadding } from './padding.ts'
import { benchBackupKdf } from './backup-kdf.ts'
import { benchPushNotification, benchPushRss } from './push.ts'
import { benchReleaseUpdate } from './release.ts'
import { benchMesh } from './mesh.ts'
import type { Browser, Page } from '@playwright/test'

const IDLE_CONTEXTS = 3
const IDLE_MS = 30_000
const DIST = resolve(import.meta.dirname, '..', '..', 'dist')

async function benchIdleHeap (url: string): Promise<void> {
  // a browser of its own, so that only these contexts' workers are counted
  const browser = await launch()
  const pages: Page[] = []
  for (let i = 0; i < IDLE_CONTEXTS; i++) {
    const context = await newContext(browser)
    const page = await context.newPage()
    await page.goto(url)
    await page.getByLabel('Your name').fill(`Idle ${i}`)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('status', { name: 'Connection status' }).getByText('online').waitFor({ timeout: 60_000 })
    pages.push(page)
  }
  await new Promise(resolve => setTimeout(resolve, IDLE_MS)) // the figure is defined as "after 30 s idle"
  const tabHeaps: number[] = []
  for (const page of pages) {
    const session = await page.context().newCDPSession(page)
    await session.send('HeapProfiler.collectGarbage')
    tabHeaps.push((await session.send('Runtime.getHeapUsage')).usedSize)
  }
  const workerHeaps = await sharedWorkerHeaps(browser)
  await browser.close()
  if (workerHeaps.length !== IDLE_CONTEXTS) throw new Error(`expected ${IDLE_CONTEXTS} shared workers, found ${workerHeaps.length}`)
  const totals = tabHeaps.map((tab, i) => (tab + (workerHeaps[i] ?? 0)) / (1024 * 1024))
  print('idle_heap_mb', median(totals), 'MB')
}

/**
 * The Firefox figures, both people in one Firefox ESR (through the BiDi shim,
 * tests/support/browsers.ts) whose pages can connect directly on loopback.
 */
async function benchFirefox (url: string): Promise<void> {
  const browser = await launch('firefox')
  try {
    await benchOnline(browser, url, 'online_ms_firefox')
    await benchLatency(browser, url, 'direct', '_firefox')
    await benchFilesFirefox(browser, url)
  } finally {
    await browser.close()
  }
}

async function benchBundle (): Promise<void> {
  const { shell, worker, pump, lazy } = await bundleSizes(DIST)
  print('bundle_shell_gzip_kib', shell / 1024, 'KiB')
  print('bundle_worker_gzip_kib', worker / 1024, 'KiB')
  print('bundle_pump_gzip_kib', pump / 1024, 'KiB')
  print('bundle_lazy_gzip_kib', lazy / 1024, 'KiB')
}

/** raw_dc_throughput_mbps, then the stacks on top of it: the bridge and the file path. */
async function benchThroughputAlone (): Promise<void> {
  let raw = 0
  await withRelayAndApp([], async (url) => {
    const browser = await launch()
    try {
      raw = await benchRawThroughput(browser)
      await benchBridgeThroughput(browser, url, raw)
    } finally {
      await browser.close()
    }
    await benchFiles(url, raw)
  })
}

/** The relayed and direct message latencies, in `shared` or in a Chromium of their own. */
async function benchLatencyAlone (url: string, shared?: Browser): Promise<void> {
  const browser = shared ?? await launch()
  try {
    await benchLatency(browser, url, 'relayed')
    await benchLatency(browser, url, 'direct')
  } finally {
    if (shared === undefined) await browser.close()
  }
}

async function benchOnlineAlone (url: string): Promise<void> {
  const browser = await launch()
  try {
    await benchOnline(browser, url, 'online_ms', true)
  } finally {
    await browser.close()
  }
}

async function benchDevicesAlone (url: string): Promise<void> {
  const browser = await launch()
  try {
    await benchDevices(browser, url)
  } finally {
    await browser.close()
  }
}

async function benchReactionAlone (url: string): Promise<void> {
  const browser = await launch()
  try {
    await benchReaction(browser, url)
  } finally {
    await browser.close()
  }
}

async function benchPush (): Promise<void> {
  await benchPushNotification()
  await benchPushRss()
}

/** The run fails, after printing every figure, if a stack beat the baseline it is measured against. */
function failIfBaselineBeaten (): void {
  const problems = baselineProblems()
  if (problems.length > 0) throw new Error(`the raw baseline is wrong:\n${problems.join('\n')}`)
}

/** The sections that failed, by name: each printed its error, and the others ran on. */
const failed: string[] = []

/**
 * Runs one section of the run. A section that fails prints its error and
 * lets the next one run (a missing browser must not hide the relay's
 * figures); the run still exits non-zero at the end.
 */
async function section (name: string, measure: () => Promise<void>): Promise<void> {
  try {
    await measure()
  } catch (err) {
    failed.push(name)
    console.error(`\n!! bench section ${name} failed:`, err)
  }
}

async function main (): Promise<void> {
  const onlyArg = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined
  if (onlyArg !== undefined) {
    const parts = new Set(onlyArg.split(','))
    const known: Record<string, () => Promise<void>> = {
      bundle: benchBundle,
      online: async () => { await withRelayAndApp([], benchOnlineAlone) },
      relay: benchRelay,
      federation: benchFederation,
      dht: benchDhtRecords,
      history: benchHistoryAlone,
      'chat-open': benchChatOpenAlone,
      firefox: async () => { await withRelayAndApp([], benchFirefox) },
      'relayed-file': benchRelayedFile,
      throughput: benchThroughputAlone,
      latency: async () => { await withRelayAndApp([], benchLatencyAlone) },
      reaction: async () => { await withRelayAndApp([], benchReactionAlone) },
      slowloris: benchSlowloris,
      mailbox: benchMailboxAlone,
      invite: async () => { await withRelayAndApp([], benchInvite) },
      voice: async () => { await withRelayAndApp([], benchVoice) },
      call: async () => { await withRelayAndApp([], benchCall) },
      devices: async () => { await withRelayAndApp([], benchDevicesAlone) },
      group: benchGroup,
      session: async () => { await benchSessionSetup(); await benchRatchet() },
      padding: benchPadding,
      backup: benchBackupKdf,
      push: benchPush,
      release: benchReleaseUpdate,
      mesh: benchMesh
    }
    const unknown = [...parts].filter(part => known[part] === undefined)
    if (unknown.length > 0) throw new Error(`--only takes a comma-separated list of ${Object.keys(known).join(', ')}; not ${unknown.join(', ')}`)
    for (const part of parts) await section(part, async () => { await known[part]?.() })
    await section('baseline', async () => { failIfBaselineBeaten() })
    return
  }
  await section('bundle', benchBundle)
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-relay-'))
  try {
    const relay = await spawnRelay({ port: 0, dataDir })
    const app = await startStaticServer({ config: { relays: relay.wsMultiaddrs, iceServers: [] } })
    try {
      const browser = await launch()
      let raw: number | undefined
      try {
        await section('online', async () => { await benchOnline(browser, app.url, 'online_ms', true) })
        await section('latency', async () => { await benchLatencyAlone(app.url, browser) })
        await section('reaction', async () => { await benchReaction(browser, app.url) })
        await section('raw and bridge throughput', async () => {
          raw = await benchRawThroughput(browser)
          await benchBridgeThroughput(browser, app.url, raw)
        })
        await section('mailbox', async () => { await benchMailbox(browser, relay) })
        await section('devices', async () => { await benchDevices(browser, app.url) })
      } finally {
        await browser.close()
      }
      await section('files', async () => {
        if (raw === undefined) throw new Error('no raw_dc_throughput_mbps to compare with: its section failed')
        await benchFiles(app.url, raw)
      })
      await section('firefox', async () => { await benchFirefox(app.url) })
      await section('idle heap', async () => { await benchIdleHeap(app.url) })
      await section('invite', async () => { await benchInvite(app.url) })
      await section('voice', async () => { await benchVoice(app.url) })
      await section('call', async () => { await benchCall(app.url) })
      await section('history', async () => { await benchHistory(app.url) })
      await section('chat-open', async () => { await benchChatOpen(app.url) })
    } finally {
      await app.close()
      await relay.stop()
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
  // a relay of its own holding Bob's prekeys
  await section('session', async () => { await benchSessionSetup(); await benchRatchet() })
  await section('padding', benchPadding)
  // a build of its own and a static server, no relay
  await section('release', benchReleaseUpdate)
  // a quiet page of its own: no relay, no app
  await section('backup', benchBackupKdf)
  // a relay of its own, with the data limit the file needs
  await section('relayed-file', benchRelayedFile)
  await section('slowloris', benchSlowloris)
  // a relay, a push service and a Firefox of its own; then a relay of its own for the subscriptions
  await section('push', benchPush)
  // alone: it loads the machine with thousands of clients and a relay of its own
  await section('relay', benchRelay)
  await section('slowloris', benchSlowloris)
  await section('federation', benchFederation)
  // alone: a hundred relays and a thousand clients in fourteen processes
  await section('dht', benchDhtRecords)
  // alone: 32 nodes in four processes and a relay of their own
  await section('group', benchGroup)
  await section('baseline', async () => { failIfBaselineBeaten() })
}

await main()
if (failed.length > 0) {
  console.error(`\n!! ${failed.length} bench section${failed.length === 1 ? '' : 's'} failed: ${failed.join(', ')} (their errors are above)`)
  process.exitCode = 1
}
