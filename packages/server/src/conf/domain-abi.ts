// libvirt's virDomainDefCheckABIStability for the parts virtwire models: type, memory and disks.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import type { DomainDefinition } from '@virtwire/protocol/xml';

const mismatch = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, detail);

/**
 * Compares the guest-visible parts of two definitions, as libvirt's `virDomainDefCheckABIStability(src, dst)`:
 * the first difference is `unsupported configuration: Target ... does not match source ...`
 * (VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN). `source` is the definition in use, `target` the one
 * that would replace it. Disk sources may differ; disk count, order, device, bus and target may not.
 */
export function checkAbiStability(source: DomainDefinition, target: DomainDefinition): VirError | undefined {
  if (source.type !== target.type) return mismatch(`Target domain virt type ${target.type} does not match source ${source.type}`);
  if (source.uuid !== target.uuid) return mismatch(`Target domain uuid ${target.uuid} does not match source ${source.uuid}`);
  if (source.memoryKiB !== target.memoryKiB) {
    return mismatch(`Target domain max memory ${target.memoryKiB} does not match source ${source.memoryKiB}`);
  }
  const sourceDisks = source.disks();
  const targetDisks = target.disks();
  if (sourceDisks.length !== targetDisks.length) {
    return mismatch(`Target domain disk count ${targetDisks.length} does not match source ${sourceDisks.length}`);
  }
  for (let i = 0; i < sourceDisks.length; i++) {
    const from = sourceDisks[i]!;
    const to = targetDisks[i]!;
    if (from.device !== to.device) return mismatch(`Target disk device ${to.device} does not match source ${from.device}`);
    if ((from.bus ?? '') !== (to.bus ?? '')) return mismatch(`Target disk bus ${to.bus ?? 'none'} does not match source ${from.bus ?? 'none'}`);
    if (from.target !== to.target) return mismatch(`Target disk ${to.target} does not match source ${from.target}`);
  }
  return undefined;
}
