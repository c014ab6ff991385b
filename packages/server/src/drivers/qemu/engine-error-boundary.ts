// The qemu driver's last guard: an engine failure no code path turned into a libvirt error becomes one, never the dispatcher's -32603.
import { ErrorDomain, ErrorNumber, VirError, type DriverMethodName } from '@virtwire/protocol';
import type { Logger } from 'pino';
import type { DriverHandler, DriverMethods } from '../driver.js';
import { EngineError, QmpClosedError, QmpError } from './engine/index.js';
import { reasonText } from './vir-error-from-engine.js';

/**
 * The libvirt error for an engine failure that reached a method's boundary unmapped, typically QEMU
 * dying between two QMP commands of a call, which no step reports itself:
 * - the QMP connection closed: VIR_ERR_OPERATION_FAILED "domain is no longer running" (libvirt's
 *   qemuDomainObjEnterMonitorInternal once the guest is gone);
 * - QEMU refused a command: VIR_ERR_INTERNAL_ERROR "unable to execute QEMU command 'x': desc"
 *   (libvirt's qemuMonitorJSONCheckError);
 * - anything else of the engine (a timeout, qemu-img, a protocol fault): VIR_ERR_INTERNAL_ERROR with
 *   its text.
 * Every one is in VIR_FROM_QEMU. Errors that are not the engine's are left alone: they are bugs, and
 * the dispatcher answers them -32603 and logs them.
 */
export function virErrorFromUnmappedEngineError(error: EngineError): VirError {
  if (error instanceof QmpClosedError) return VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Qemu, 'domain is no longer running');
  if (error instanceof QmpError)
    return VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `unable to execute QEMU command '${error.command}': ${error.desc}`);
  return VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, reasonText(error));
}

/**
 * `table` with every handler guarded: an EngineError it throws or rejects with becomes
 * {@link virErrorFromUnmappedEngineError}'s libvirt error, logged as a gap in the mapping. A handler
 * that answers synchronously still does (the dispatcher's same-turn reply).
 */
export function guardEngineErrors(table: DriverMethods, log: Logger): DriverMethods {
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(table) as Array<[DriverMethodName, { flags: number; handle: DriverHandler<DriverMethodName> }]>) {
    const mapped = (error: unknown): never => {
      if (!(error instanceof EngineError)) throw error;
      log.warn({ method: name, err: error }, 'an engine failure reached the method unmapped');
      throw virErrorFromUnmappedEngineError(error);
    };
    guarded[name] = {
      flags: method.flags,
      handle: (params: never, call: never) => {
        let result: unknown;
        try {
          result = method.handle(params, call);
        } catch (error) {
          return mapped(error);
        }
        return result instanceof Promise ? result.catch(mapped) : result;
      },
    };
  }
  return guarded as DriverMethods;
}
