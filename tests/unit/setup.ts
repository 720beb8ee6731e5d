import '../../src/lib/polyfill/promise-with-resolvers.ts'
// Node 20 has no global WebSocket (Node 22 does); @libp2p/websockets dials with
// the global one, as browsers do. Tests that run a browser-side node in Node
// (tests/integration) need it: relay-node installs the same browser-like one.
import '../../relay-node/src/polyfill.ts'
// A tab loads its Russian strings before it shows them (lib/i18n/load-locale.ts);
// tests switch with setLocale('ru') directly, so the table is here from the start
// (tests/unit/i18n/load-locale.test.ts loads it in fresh modules, as the tab does)
import { addRussian } from '../../src/lib/i18n/index.ts'
import { RUSSIAN } from '../../src/lib/i18n/ru.ts'
addRussian(RUSSIAN)
