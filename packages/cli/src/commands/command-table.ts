// Every vwsh command, in the order `help` lists them within their groups.
import type { CommandDefinition } from '../shell/command-definition.js';
import { dominfoCommand, domstateCommand, dumpxmlCommand, listCommand } from './domain-commands.js';
import {
  defineCommand,
  destroyCommand,
  rebootCommand,
  resetCommand,
  resumeCommand,
  shutdownCommand,
  startCommand,
  suspendCommand,
  undefineCommand,
} from './domain-lifecycle-commands.js';
import { eventCommand } from './event-command.js';
import { consoleCommand } from './console-command.js';
import { helpCommand } from './help-command.js';
import { snapshotDeleteCommand, snapshotRevertCommand } from './snapshot-change-commands.js';
import { snapshotCurrentCommand, snapshotDumpXmlCommand, snapshotInfoCommand, snapshotParentCommand } from './snapshot-commands.js';
import { snapshotCreateAsCommand, snapshotCreateCommand } from './snapshot-create-commands.js';
import { snapshotListCommand } from './snapshot-list-command.js';
import { domblklistCommand, domiflistCommand } from './domain-device-commands.js';
import { domidCommand, domnameCommand, domuuidCommand } from './domain-identity-commands.js';
import { domjobabortCommand, domjobinfoCommand } from './domain-job-commands.js';
import { capabilitiesCommand, hostnameCommand, nodeinfoCommand, uriCommand, versionCommand } from './host-commands.js';
import { snapshotEditCommand } from './snapshot-edit-command.js';
import { connectCommand, echoCommand, exitCommand, quitCommand } from './shell-commands.js';

/** The commands vwsh knows, grouped and sorted as virsh sorts them. */
export const COMMANDS: readonly CommandDefinition[] = [
  consoleCommand,
  defineCommand,
  destroyCommand,
  dumpxmlCommand,
  rebootCommand,
  resetCommand,
  resumeCommand,
  shutdownCommand,
  startCommand,
  suspendCommand,
  undefineCommand,
  domidCommand,
  domjobabortCommand,
  domjobinfoCommand,
  domnameCommand,
  domuuidCommand,
  domblklistCommand,
  domiflistCommand,
  dominfoCommand,
  domstateCommand,
  eventCommand,
  listCommand,
  capabilitiesCommand,
  hostnameCommand,
  nodeinfoCommand,
  uriCommand,
  versionCommand,
  snapshotCreateCommand,
  snapshotCreateAsCommand,
  snapshotCurrentCommand,
  snapshotDeleteCommand,
  snapshotDumpXmlCommand,
  snapshotEditCommand,
  snapshotInfoCommand,
  snapshotListCommand,
  snapshotParentCommand,
  snapshotRevertCommand,
  connectCommand,
  echoCommand,
  exitCommand,
  helpCommand,
  quitCommand,
];
