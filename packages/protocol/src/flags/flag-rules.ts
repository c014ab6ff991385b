// The relation rules of libvirt's public API layer between flags, as data, and the one function that applies them.

import { VirError } from '../errors/vir-error.js';
import { flagConstantName, type FlagSet } from './flag-set.js';

/**
 * One rule of libvirt's public API layer: `VIR_REQUIRE_FLAG_GOTO(flag, required)` or
 * `VIR_EXCLUSIVE_FLAGS_GOTO(a, b)` (src/internal.h).
 */
export type FlagRule =
  { readonly kind: 'requires'; readonly flag: number; readonly requires: number } | { readonly kind: 'exclusive'; readonly a: number; readonly b: number };

/** `flag` may only be given together with `required`. */
export const requires = (flag: number, required: number): FlagRule => ({ kind: 'requires', flag, requires: required });

/** `a` and `b` may not be given together. */
export const exclusive = (a: number, b: number): FlagRule => ({ kind: 'exclusive', a, b });

/** Where a rule violation is reported: the libvirt function and its error domain. */
export interface RuleContext {
  readonly set: FlagSet;
  readonly functionName: string;
  readonly errorDomain: number;
}

/**
 * Applies `rules` in order and returns libvirt's error for the first one violated, or undefined.
 * Identical on client and server, so both produce the same error for the same flags.
 */
export function checkFlagRules(flags: number, rules: readonly FlagRule[], context: RuleContext): VirError | undefined {
  const name = (bit: number) => flagConstantName(context.set, bit);
  for (const rule of rules) {
    if (rule.kind === 'requires' && flags & rule.flag && !(flags & rule.requires)) {
      return VirError.invalidArg(context.errorDomain, context.functionName, 'ctl', `Flag '${name(rule.requires)}' is required by flag '${name(rule.flag)}'`);
    }
    if (rule.kind === 'exclusive' && flags & rule.a && flags & rule.b) {
      return VirError.invalidArg(context.errorDomain, context.functionName, 'ctl', `Flags '${name(rule.a)}' and '${name(rule.b)}' are mutually exclusive`);
    }
  }
  return undefined;
}

/** libvirt's `virCheckFlags` error: `unsupported flags (0x<bits>) in function <driver function>`. */
export function unsupportedFlagsError(bits: number, functionName: string, errorDomain: number): VirError {
  return VirError.invalidArg(errorDomain, functionName, 'flags', `unsupported flags (0x${bits.toString(16)}) in function ${functionName}`);
}
