// A device's `<seclabel>` overrides (disk and character device sources) as libvirt 9.0 reads them for a definition and writes them for an inactive domain.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, element, textOf, type XmlElement, type XmlNode } from '../xml-tree.js';
import { enumAttribute } from './xml-enum.js';

const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/**
 * virSecurityDeviceLabelDefParseXML for an inactive definition, then virSecurityDeviceLabelDefFormat
 * for an inactive domain: one override per model; relabel yes (the default) or no; a label only when
 * relabelling; labelskip not read; an override that relabels without a label is not written.
 * Returns `children` with each `<seclabel>` so rewritten (or left out), the others unchanged.
 */
export function canonicalDeviceSeclabels(children: readonly XmlNode[]): XmlNode[] {
  const models: (string | undefined)[] = [];
  const out: XmlNode[] = [];
  for (const child of children) {
    if (typeof child === 'string' || child.name !== 'seclabel') {
      out.push(child);
      continue;
    }
    const model = child.attributes.get('model');
    if (model !== undefined && models.includes(model)) {
      throw VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, `seclabel for model ${model} is already provided`);
    }
    models.push(model);
    const relabel = (enumAttribute(child, 'relabel', YES_NO) ?? 'yes') === 'yes';
    const labelEl = childElement(child, 'label');
    const label = labelEl ? textOf(labelEl) : undefined;
    const hasLabel = label !== undefined && label !== '';
    if (hasLabel && !relabel) {
      throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `Cannot specify a label if relabelling is turned off. model=${model ?? '<null>'}`);
    }
    if (!hasLabel && relabel) continue;
    out.push(element('seclabel', { model, relabel: relabel ? 'yes' : 'no' }, hasLabel ? [element('label', {}, [label])] : []));
  }
  return out;
}

/**
 * virSecurityLabelDefsParseXML's rules across the domain's `<seclabel>`s (before its devices are
 * read): one per model (two without a model count as the same), and every one names its model when
 * there are several.
 */
export function checkDomainSeclabels(seclabels: readonly XmlElement[]): void {
  const models: (string | undefined)[] = [];
  for (const seclabel of seclabels) {
    const model = seclabel.attributes.get('model');
    if (models.includes(model)) throw VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, `seclabel for model ${model ?? '(null)'} is already provided`);
    models.push(model);
  }
  if (seclabels.length > 1 && models.includes(undefined)) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, 'missing security model when using multiple labels');
  }
}
