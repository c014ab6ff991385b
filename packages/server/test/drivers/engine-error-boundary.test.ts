// The qemu driver's boundary: engine failures no step mapped become libvirt errors in VIR_FROM_QEMU; other errors and sync answers pass as they are.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CallContext, DriverMethods } from '../../src/drivers/driver.js';
import { QemuImgError, QmpClosedError, QmpError, QmpTimeoutError } from '../../src/drivers/qemu/engine/index.js';
import { guardEngineErrors } from '../../src/drivers/qemu/engine-error-boundary.js';

const log = pino({ level: 'silent' });
const call = {} as CallContext;

/** A one-method table whose DomainSuspend fails with `error`, synchronously or not. */
function failingWith(error: unknown, async: boolean): DriverMethods {
  return {
    DomainSuspend: {
      flags: 0,
      handle: async
        ? async () => {
            throw error;
          }
        : () => {
            throw error;
          },
    },
  };
}

async function answerOf(table: DriverMethods): Promise<unknown> {
  try {
    return await guardEngineErrors(table, log).DomainSuspend!.handle({ domain: { name: 'd', uuid: '', id: 1 } }, call);
  } catch (error) {
    return error;
  }
}

describe('guardEngineErrors', () => {
  for (const async of [false, true]) {
    it(`maps the engine's failures, thrown ${async ? 'asynchronously' : 'synchronously'}`, async () => {
      const closed = (await answerOf(failingWith(new QmpClosedError('read ECONNRESET'), async))) as VirError;
      expect([closed.code, closed.domain, closed.message]).toEqual([
        ErrorNumber.OperationFailed,
        ErrorDomain.Qemu,
        'operation failed: domain is no longer running',
      ]);
      const refused = (await answerOf(failingWith(new QmpError('stop', 'GenericError', 'not now'), async))) as VirError;
      expect([refused.code, refused.domain, refused.message]).toEqual([
        ErrorNumber.InternalError,
        ErrorDomain.Qemu,
        "internal error: unable to execute QEMU command 'stop': not now",
      ]);
      const timeout = (await answerOf(failingWith(new QmpTimeoutError('stop', 100), async))) as VirError;
      expect([timeout.code, timeout.domain, timeout.message]).toEqual([
        ErrorNumber.InternalError,
        ErrorDomain.Qemu,
        'internal error: stop: no reply from QEMU within 100 ms',
      ]);
      const img = (await answerOf(failingWith(new QemuImgError(['info'], 1, 'qemu-img: Could not open x\n', 'failed'), async))) as VirError;
      expect([img.code, img.message]).toEqual([ErrorNumber.InternalError, 'internal error: Could not open x']);
    });

    it(`leaves libvirt errors and bugs as they are (${async ? 'async' : 'sync'})`, async () => {
      const vir = VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Qemu, 'domain is not running');
      expect(await answerOf(failingWith(vir, async))).toBe(vir);
      const bug = new TypeError('x is undefined');
      expect(await answerOf(failingWith(bug, async))).toBe(bug);
    });
  }

  it('keeps a synchronous answer synchronous, and the flags', () => {
    const table: DriverMethods = { ConnectGetVersion: { flags: 0, handle: () => 9_000_000 } };
    const guarded = guardEngineErrors(table, log);
    expect(guarded.ConnectGetVersion!.flags).toBe(0);
    expect(guarded.ConnectGetVersion!.handle({}, call)).toBe(9_000_000);
  });
});
