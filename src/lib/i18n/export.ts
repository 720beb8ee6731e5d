/**
 * Adds the strings of exporting a chat (messages/export.ts) to the tables.
 * Imported by the export's state and widget, which load with a chat's info.
 */
import { addArea } from './index.ts'
import * as exportChat from './messages/export.ts'

addArea('export', exportChat)
