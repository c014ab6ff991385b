// A compact schema language for the XML virtwire accepts, and VALIDATE errors (error 92) in libvirt's RelaxNG words.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, textOf, type XmlElement } from '../xml-tree.js';

/** What a text or attribute value may be: anything, one of some words, or a typed value libxml2 names in its error. */
export type ValueRule = 'text' | readonly string[] | RegExp | { type: 'unsignedLong' | 'unsignedInt' | 'positiveInteger' | 'uuid' };

/** One element: its attributes, its text, its children (by name), or `any` for a subtree this schema does not check. */
export interface ElementRule {
  attributes?: Readonly<Record<string, ValueRule>>;
  /** Attributes that must be present. */
  required?: readonly string[];
  /** Child elements that must be present. */
  requiredChildren?: readonly string[];
  text?: ValueRule;
  children?: Readonly<Record<string, ElementRule>>;
  any?: true;
  /**
   * A RelaxNG choice keyed by one attribute: the rule for the attribute's value (`default` when it is
   * absent) applies to the whole element; a value with no rule is invalid.
   */
  variants?: { attribute: string; default: string; rules: Readonly<Record<string, ElementRule>> };
}

/** An element whose content is not checked (kept by virtwire as given). */
export const ANY: ElementRule = { any: true };
/** An element with free text and no attributes. */
export const TEXT: ElementRule = { text: 'text' };

/** A document schema: the root's rule, the RelaxNG file libvirt would name, and which root children form libxml2 "sequences". */
export interface DocumentSchema {
  root: string;
  rule: ElementRule;
  /** The file libvirt names in the message (`/usr/share/libvirt/schemas/domainsnapshot.rng`). */
  file: string;
  /** Root children inside an ordered group of the interleave, for which libxml2 adds "Invalid sequence in interleave". */
  sequenced?: ReadonlySet<string>;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The type error libxml2 prints for a value, or '' for a wrong word of a choice, or undefined when the value is fine. */
function valueProblem(rule: ValueRule, value: string): string | undefined {
  if (rule === 'text') return undefined;
  if (Array.isArray(rule)) return rule.includes(value) ? undefined : '';
  // A RelaxNG pattern facet: libxml2 names no type for it.
  if (rule instanceof RegExp) return rule.test(value) ? undefined : '';
  const { type } = rule as { type: string };
  const ok =
    type === 'uuid'
      ? UUID.test(value.trim())
      : /^\d+$/.test(value.trim()) && (type !== 'positiveInteger' || Number(value) > 0) && (type !== 'unsignedInt' || Number(value) <= 0xffffffff);
  return ok ? undefined : `Type ${type} doesn't allow value '${value}'`;
}

/** The first problem under an element: the libxml2 line it produces ('' when none), or undefined when valid. */
function problemIn(el: XmlElement, rule: ElementRule): string | undefined {
  if (rule.any) return undefined;
  if (rule.variants) {
    const { attribute, rules } = rule.variants;
    const key = el.attributes.get(attribute) ?? rule.variants.default;
    const variant = Object.hasOwn(rules, key) ? rules[key] : undefined;
    return variant ? problemIn(el, variant) : `Invalid attribute ${attribute} for element ${el.name}`;
  }
  const missing = rule.required?.find((name) => !el.attributes.has(name));
  if (missing !== undefined) return `Element ${el.name} failed to validate attributes`;
  const absent = rule.requiredChildren?.find((name) => childElements(el, name).length === 0);
  if (absent !== undefined) return `Expecting an element ${absent}, got nothing`;
  for (const [name, value] of el.attributes) {
    if (name.startsWith('xmlns')) continue;
    const allowed = rule.attributes?.[name];
    if (allowed === undefined) return `Invalid attribute ${name} for element ${el.name}`;
    const problem = valueProblem(allowed, value);
    if (problem !== undefined) return problem;
  }
  const text = textOf(el).trim();
  if (text !== '') {
    if (rule.text === undefined) return `Element ${el.name} has extra content: text`;
    const problem = valueProblem(rule.text, textOf(el));
    if (problem !== undefined) return problem;
  }
  for (const child of childElements(el)) {
    const childRule = rule.children && Object.hasOwn(rule.children, child.name) ? rule.children[child.name] : undefined;
    if (!childRule) return `Element ${el.name} has extra content: ${child.name}`;
    const problem = problemIn(child, childRule);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Validates a parsed document (VIR_DOMAIN_*_VALIDATE) and throws libvirt's error 92 in the words
 * libxml2's RelaxNG validator uses for the usual mistakes: an unknown root attribute or child is
 * named as such; a problem deeper inside a root child makes that child an "Extra element ... in
 * interleave" and the root "failed to validate content".
 */
export function validateDocument(root: XmlElement, schema: DocumentSchema): void {
  const fail = (lines: string[]) =>
    VirError.report(ErrorNumber.XmlInvalidSchema, ErrorDomain.Xml, `Unable to validate doc against ${schema.file}\n${lines.join('\n')}\n`);
  for (const [name] of root.attributes) {
    if (!name.startsWith('xmlns') && !(schema.rule.attributes && Object.hasOwn(schema.rule.attributes, name))) {
      throw fail([`Invalid attribute ${name} for element ${root.name}`]);
    }
  }
  for (const child of childElements(root)) {
    const rule = schema.rule.children && Object.hasOwn(schema.rule.children, child.name) ? schema.rule.children[child.name] : undefined;
    if (!rule) throw fail([`Element ${root.name} has extra content: ${child.name}`]);
    const problem = problemIn(child, rule);
    if (problem === undefined) continue;
    const typeLine = problem.startsWith('Type ') ? [problem] : [];
    const sequence = schema.sequenced?.has(child.name) ? ['Invalid sequence in interleave'] : [];
    throw fail([...typeLine, `Extra element ${child.name} in interleave`, ...sequence, `Element ${root.name} failed to validate content`]);
  }
}
