/**
 * Adds the strings of the Settings screen (messages/settings.ts) to the
 * tables. Imported by the screen and the widgets only it shows
 * (routes/Settings.svelte, ui/PwaSettings.svelte, state/turn-servers.svelte.ts),
 * which load when Settings is first opened.
 */
import { addArea } from './index.ts'
import * as settings from './messages/settings.ts'

addArea('settings', settings)
