// Spinning the event loop while this process awaits replies, shared by all its connections.
import { AdaptivePoll, type PollPlatform } from '@virtwire/runtime';

/**
 * Keeps the event loop turning for an adaptive window while any call of any connection is
 * pending (see AdaptivePoll), so that a reply arriving soon finds the process awake instead of
 * paying for a wake-up. One per process, like the daemon's: the gaps that matter are between
 * any two messages of the process, not of one connection. Node's entry point supplies it;
 * browsers cannot turn their loop without sleeping and go without.
 */
export class ReplyPolling {
  private awaiting = 0;
  private readonly poll: AdaptivePoll;

  /**
   * @param maxUs longest window in µs.
   * @param platform the event loop, clock, CPU count and load (Node's, from the SDK's Node entry).
   */
  constructor(maxUs: number, platform: PollPlatform) {
    this.poll = new AdaptivePoll(maxUs / 1000, platform, () => this.awaiting > 0);
  }

  /** A call began: one more reply to wait for. */
  callStarted(): void {
    this.awaiting++;
  }

  /** A call ended (answered, failed or abandoned). */
  callEnded(): void {
    this.awaiting--;
  }

  /** A request was written. */
  requestSent(): void {
    this.poll.sent();
  }

  /** A message arrived on any connection. */
  messageReceived(): void {
    this.poll.received();
  }
}
