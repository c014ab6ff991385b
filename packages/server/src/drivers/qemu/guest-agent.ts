// The QEMU guest agent of a running domain (its org.qemu.guest_agent.0 channel): sync, filesystem freeze and thaw, with libvirt's errors.
import { DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childElement, childElements } from '@virtwire/protocol/xml';
import { randomInt } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { QemuDomain } from './qemu-domain.js';

/** The channel name qemu-ga listens on. */
export const AGENT_CHANNEL = 'org.qemu.guest_agent.0';
/** libvirt's default agent timeout (VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT: 5 s) for a sync. */
const SYNC_TIMEOUT_MS = 5_000;
/** A freeze syncs every filesystem: allowed longer, but bounded. */
const COMMAND_TIMEOUT_MS = 60_000;
/** How long a guest-shutdown's error (it answers nothing on success) is waited for. */
const SHUTDOWN_ERROR_WAIT_MS = 1_000;
/** Longest reply read from the agent. */
const MAX_REPLY_BYTES = 1024 * 1024;

const agentError = (code: number, detail: string) => VirError.report(code, ErrorDomain.Qemu, detail);

/** libvirt's error for an agent command of a domain that is not running (qemuDomainAgentAvailable). */
const notRunning = () => agentError(ErrorNumber.OperationInvalid, 'domain is not running');

/** The unix socket of the domain's agent channel, or undefined when none is configured. */
export function agentSocketPath(domain: QemuDomain): string | undefined {
  const devices = domain.live ? childElement(domain.live.tree, 'devices') : undefined;
  for (const channel of devices ? childElements(devices, 'channel') : []) {
    if (childElement(channel, 'target')?.attributes.get('name') !== AGENT_CHANNEL) continue;
    return childElement(channel, 'source')?.attributes.get('path');
  }
  return undefined;
}

/**
 * One session with the guest agent: connects to the channel, synchronises
 * (`guest-sync-delimited`, dropping anything stale before the 0xFF delimiter), then runs commands
 * one at a time. Errors are libvirt's: not configured (VIR_ERR_ARGUMENT_UNSUPPORTED), not
 * connected or not answering (VIR_ERR_AGENT_UNRESPONSIVE), a command's failure (VIR_ERR_INTERNAL_ERROR).
 */
export class GuestAgentSession {
  private buffer = Buffer.alloc(0);
  private waiting: ((line: Buffer | Error) => void) | undefined;

  private constructor(
    private readonly domain: QemuDomain,
    private readonly socket: Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      if (this.buffer.length > MAX_REPLY_BYTES) socket.destroy(new Error('agent reply too long'));
      this.deliver();
    });
    socket.on('error', (error) => this.waiting?.(error));
    socket.on('close', () => this.waiting?.(new Error('agent channel closed')));
  }

  /** Opens a synchronised session with the running domain's agent. */
  static async open(domain: QemuDomain): Promise<GuestAgentSession> {
    if (!domain.guest) throw notRunning();
    const path = agentSocketPath(domain);
    if (path === undefined) throw agentError(ErrorNumber.ArgumentUnsupported, 'QEMU guest agent is not configured');
    const chardevs = await domain.guest.qmp.execute<Array<{ filename: string; 'frontend-open': boolean }>>('query-chardev');
    const chardev = chardevs.find((c) => c.filename.includes(`unix:${path},`));
    if (!chardev?.['frontend-open']) throw agentError(ErrorNumber.AgentUnresponsive, 'QEMU guest agent is not connected');
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', () => reject(agentError(ErrorNumber.AgentUnresponsive, 'QEMU guest agent is not connected')));
    });
    const session = new GuestAgentSession(domain, socket);
    try {
      await session.sync();
      return session;
    } catch (error) {
      session.close();
      throw error;
    }
  }

  /** `guest-fsfreeze-freeze`: the number of filesystems frozen. */
  freeze(): Promise<number> {
    return this.execute<number>('guest-fsfreeze-freeze');
  }

  /** `guest-fsfreeze-thaw`: the number of filesystems thawed. */
  thaw(): Promise<number> {
    return this.execute<number>('guest-fsfreeze-thaw');
  }

  /**
   * `guest-shutdown` (mode `powerdown`): the agent answers nothing when it obeys, so the command
   * is sent, and an error it reports at once is raised.
   */
  async shutdown(): Promise<void> {
    this.mustBeRunning();
    this.socket.write(`${JSON.stringify({ execute: 'guest-shutdown', arguments: { mode: 'powerdown' } })}\n`);
    const reply = await this.readLine(SHUTDOWN_ERROR_WAIT_MS, false).then(parse, () => undefined);
    if (reply?.error)
      throw agentError(
        ErrorNumber.InternalError,
        `unable to execute QEMU agent command 'guest-shutdown': ${reply.error.desc ?? reply.error.class ?? 'failed'}`,
      );
  }

  close(): void {
    this.socket.destroy();
  }

  private async sync(): Promise<void> {
    this.mustBeRunning();
    const id = randomInt(1, 2 ** 31);
    this.socket.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } })}\n`)]));
    for (;;) {
      const line = await this.readLine(SYNC_TIMEOUT_MS, true);
      const reply = parse(line);
      if (reply?.return === id) return;
    }
  }

  /**
   * An agent answers only while its guest runs: a paused guest's command is refused at once, as
   * libvirt's qemuDomainAgentAvailable does, instead of waiting out the timeout (a quiesced
   * snapshot's thaw after the guest was paused from elsewhere waited 60 s).
   */
  private mustBeRunning(): void {
    if (!this.domain.guest || this.domain.state !== DomainState.Running) throw notRunning();
  }

  private async execute<T>(command: string): Promise<T> {
    this.mustBeRunning();
    this.socket.write(`${JSON.stringify({ execute: command })}\n`);
    const reply = parse(await this.readLine(COMMAND_TIMEOUT_MS, false));
    if (reply?.error)
      throw agentError(ErrorNumber.InternalError, `unable to execute QEMU agent command '${command}': ${reply.error.desc ?? reply.error.class ?? 'failed'}`);
    if (!reply || !('return' in reply)) throw agentError(ErrorNumber.InternalError, `unable to execute QEMU agent command '${command}': malformed reply`);
    return reply.return as T;
  }

  /** The next reply line; after a sync request, everything up to the agent's 0xFF delimiter is dropped first. */
  private readLine(timeoutMs: number, afterDelimiter: boolean): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(agentError(ErrorNumber.AgentUnresponsive, 'Guest agent not available for now'));
      }, timeoutMs);
      this.waiting = (line) => {
        clearTimeout(timer);
        this.waiting = undefined;
        if (line instanceof Error) reject(agentError(ErrorNumber.AgentUnresponsive, `QEMU guest agent is not connected (${line.message})`));
        else resolve(line);
      };
      this.dropBeforeDelimiter = afterDelimiter;
      this.deliver();
    });
  }

  private dropBeforeDelimiter = false;

  private deliver(): void {
    if (!this.waiting) return;
    if (this.dropBeforeDelimiter) {
      const delimiter = this.buffer.indexOf(0xff);
      if (delimiter < 0) return;
      this.buffer = this.buffer.subarray(delimiter + 1);
      this.dropBeforeDelimiter = false;
    }
    const newline = this.buffer.indexOf(0x0a);
    if (newline < 0) return;
    const line = this.buffer.subarray(0, newline);
    this.buffer = this.buffer.subarray(newline + 1);
    this.waiting(line);
  }
}

function parse(line: Buffer): { return?: unknown; error?: { class?: string; desc?: string } } | undefined {
  try {
    return JSON.parse(line.toString('utf8')) as { return?: unknown; error?: { class?: string; desc?: string } };
  } catch {
    return undefined;
  }
}

/**
 * Thaws the guest's filesystems if its agent answers (crash recovery and failure paths): never
 * throws, returns the number thawed or undefined when the agent could not be reached.
 */
export async function thawQuietly(domain: QemuDomain): Promise<number | undefined> {
  let session: GuestAgentSession | undefined;
  try {
    session = await GuestAgentSession.open(domain);
    return await session.thaw();
  } catch {
    return undefined;
  } finally {
    session?.close();
  }
}
